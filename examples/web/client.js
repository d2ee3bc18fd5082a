// @ts-check
// A small client for the Rapport API from a browser on another origin, typed
// with the types openapi-typescript generates from the spec (api.d.ts, checked
// in; no build step: the types live in JSDoc and `tsc --checkJs` reads them).
// Every call answers `{ status, data, headers }`; an error status throws an
// ApiError carrying the problem+json body (type, title, status, detail, code,
// errors[]). The response headers read here (ETag, Idempotent-Replayed,
// X-Request-Id, Intersections-Stale) reach this script only because the
// server's CORS policy exposes them.

/** @typedef {import('./api').components['schemas']} Schemas */
/** @typedef {Schemas['Session']} Session */
/** @typedef {Schemas['Profile']} Profile */
/** @typedef {Schemas['Contact']} Contact */
/** @typedef {Schemas['CreateContact']} CreateContact */
/** @typedef {Schemas['Page_Contact']} ContactPage */
/** @typedef {Schemas['Page_AgendaItem']} AgendaPage */
/** @typedef {Schemas['Brief']} Brief */
/** @typedef {Schemas['Goal']} Goal */
/** @typedef {Schemas['Page_Goal']} GoalPage */
/** @typedef {Schemas['Intersection']} Intersection */
/** @typedef {Schemas['Page_Intersection']} IntersectionPage */
/** @typedef {Schemas['Decision']} Decision */
/** @typedef {Schemas['UpdateIntersection']} UpdateIntersection */
/** @typedef {Schemas['Problem']} Problem */
/** @typedef {import('./api').operations} Operations */
/** @typedef {NonNullable<Operations['list_contacts']['parameters']['query']>} ContactQuery */
/** @typedef {NonNullable<Operations['list_intersections']['parameters']['query']>} IntersectionQuery */
/** @typedef {NonNullable<Operations['list_goals']['parameters']['query']>} GoalQuery */

/**
 * @template T
 * @typedef {{ status: number, data: T, headers: Headers }} Result
 */

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {Problem | null} problem
   * @param {string | null} requestId
   */
  constructor(status, problem, requestId) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.requestId = requestId;
  }
}

/**
 * @typedef {object} RequestOptions
 * @property {Record<string, string | number | boolean | string[] | undefined | null>} [query] (a list repeats the name)
 * @property {unknown} [body]
 * @property {Record<string, string>} [headers]
 * @property {string} [contentType]
 */

/** Reads that may wait for intersections being recomputed (RFC 7240 `Prefer`). */
const WAIT = { Prefer: "wait=5" };

/** @param {string} baseUrl */
export function createApi(baseUrl) {
  /** @type {string | null} */
  let token = null;

  /**
   * @template T
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<Result<T>>}
   */
  async function request(method, path, { query, body, headers = {}, contentType = "application/json" } = {}) {
    const url = new URL(`/api/v1${path}`, baseUrl);
    for (const [name, value] of Object.entries(query ?? {})) {
      for (const one of Array.isArray(value) ? value : [value]) {
        if (one !== undefined && one !== null && one !== "") url.searchParams.append(name, String(one));
      }
    }
    /** @type {Record<string, string>} */
    const sent = { Accept: "application/json", ...headers };
    if (token) sent.Authorization = `Bearer ${token}`;
    /** @type {RequestInit} */
    const init = { method, headers: sent };
    if (body !== undefined) {
      sent["Content-Type"] = contentType;
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    const type = response.headers.get("Content-Type") ?? "";
    const text = await response.text();
    const data = text === "" ? null : type.includes("json") ? JSON.parse(text) : text;
    if (!response.ok) {
      const problem = data !== null && typeof data === "object" ? /** @type {Problem} */ (data) : null;
      throw new ApiError(response.status, problem, response.headers.get("X-Request-Id"));
    }
    return { status: response.status, data: /** @type {T} */ (data), headers: response.headers };
  }

  /** @param {string} id */
  const path = (id) => encodeURIComponent(id);

  return {
    get token() {
      return token;
    },
    set token(value) {
      token = value;
    },
    /** @type {(email: string, password: string, name: string) => Promise<Result<Session>>} */
    register: (email, password, name) => request("POST", "/auth/register", { body: { email, password, name } }),
    /** @type {(email: string, password: string) => Promise<Result<Session>>} */
    login: (email, password) => request("POST", "/auth/login", { body: { email, password } }),
    /** @type {(refreshToken: string) => Promise<Result<null>>} */
    logout: (refreshToken) => request("POST", "/auth/logout", { body: { refresh_token: refreshToken } }),
    /** @type {() => Promise<Result<Profile>>} */
    me: () => request("GET", "/me"),
    /**
     * A create that is safe to retry: the same key answers the first result again.
     * @type {(contact: CreateContact, idempotencyKey: string) => Promise<Result<Contact>>}
     */
    createContact: (contact, idempotencyKey) =>
      request("POST", "/contacts", { body: contact, headers: { "Idempotency-Key": idempotencyKey } }),
    /** @type {(query: ContactQuery) => Promise<Result<ContactPage>>} */
    listContacts: (query) => request("GET", "/contacts", { query }),
    /** @type {(until: string) => Promise<Result<AgendaPage>>} */
    agenda: (until) => request("GET", "/agenda", { query: { until, limit: 50 } }),
    /** @type {(contactId: string) => Promise<Result<Brief>>} */
    brief: (contactId) => request("GET", `/contacts/${path(contactId)}/brief`, { headers: WAIT }),
    /** @type {(query: GoalQuery) => Promise<Result<GoalPage>>} */
    listGoals: (query) => request("GET", "/goals", { query }),
    /** @type {(query: IntersectionQuery) => Promise<Result<IntersectionPage>>} */
    listIntersections: (query) => request("GET", "/intersections", { query, headers: WAIT }),
    /** One intersection, with its ETag (the list gives none). @type {(id: string) => Promise<Result<Intersection>>} */
    getIntersection: (id) => request("GET", `/intersections/${path(id)}`, { headers: WAIT }),
    /**
     * A decision, as JSON Merge Patch, only if nobody changed it since `etag`.
     * @type {(id: string, patch: UpdateIntersection, etag: string) => Promise<Result<Intersection>>}
     */
    updateIntersection: (id, patch, etag) =>
      request("PATCH", `/intersections/${path(id)}`, {
        body: patch,
        headers: { "If-Match": etag },
        contentType: "application/merge-patch+json",
      }),
  };
}
