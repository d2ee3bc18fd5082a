// orval: a fetch client from the checked-in spec, with header parameters
// (If-Match, Idempotency-Key) as arguments, through orval's custom-fetch
// mutator (scenarios/orval-fetch.ts: the base URL and the bearer token). The
// paths come from .ci/clients_check.sh.
export default {
  rapport: {
    input: { target: process.env.RAPPORT_SPEC },
    output: {
      target: process.env.ORVAL_OUTPUT,
      client: "fetch",
      mode: "single",
      headers: true,
      override: {
        mutator: { path: process.env.ORVAL_MUTATOR, name: "customFetch" },
      },
    },
  },
};
