// A small client for the Rapport API from a browser on another origin. Every
// call answers `{ status, data, headers }`; an error status throws an
// ApiError carrying the problem+json body (type, title, status, detail, code,
// errors[]). The response headers read here (ETag, Idempotent-Replayed,
// X-Request-Id) reach this script only because the server's CORS policy
// exposes them.

export class ApiError extends Error {
  constructor(status, problem, requestId) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.requestId = requestId;
  }
}

export function createApi(baseUrl) {
  let token = null;

  async function request(method, path, { query, body, headers = {}, contentType = "application/json" } = {}) {
    const url = new URL(`/api/v1${path}`, baseUrl);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
    }
    const init = { method, headers: { Accept: "application/json", ...headers } };
    if (token) init.headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) {
      init.headers["Content-Type"] = contentType;
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    const type = response.headers.get("Content-Type") ?? "";
    const text = await response.text();
    const data = text === "" ? null : type.includes("json") ? JSON.parse(text) : text;
    if (!response.ok) throw new ApiError(response.status, typeof data === "object" ? data : null, response.headers.get("X-Request-Id"));
    return { status: response.status, data, headers: response.headers };
  }

  return {
    get token() {
      return token;
    },
    set token(value) {
      token = value;
    },
    register: (email, password, name) => request("POST", "/auth/register", { body: { email, password, name } }),
    login: (email, password) => request("POST", "/auth/login", { body: { email, password } }),
    logout: (refreshToken) => request("POST", "/auth/logout", { body: { refresh_token: refreshToken } }),
    me: () => request("GET", "/me"),
    /** A create that is safe to retry: the same key answers the first result again. */
    createContact: (contact, idempotencyKey) =>
      request("POST", "/contacts", { body: contact, headers: { "Idempotency-Key": idempotencyKey } }),
    listContacts: ({ limit, cursor, sort }) => request("GET", "/contacts", { query: { limit, cursor, sort } }),
    agenda: (until) => request("GET", "/agenda", { query: { until, limit: 50 } }),
  };
}
