// The page: sign in (or register), add contacts with an Idempotency-Key, list
// them a page at a time over the cursor, and show the agenda. Plain DOM, no
// framework, no build step.
import { ApiError, createApi } from "./api.js";

const apiBase = new URLSearchParams(location.search).get("api") ?? "http://127.0.0.1:8080";
const api = createApi(apiBase);
const PAGE_SIZE = 5;

const $ = (selector) => document.querySelector(selector);
$("#api-base").textContent = apiBase;

function show(...selectors) {
  for (const s of selectors) $(s).hidden = false;
}

function hide(...selectors) {
  for (const s of selectors) $(s).hidden = true;
}

function reportError(err) {
  const box = $("#error");
  if (err instanceof ApiError && err.problem) {
    const fields = (err.problem.errors ?? []).map((e) => `${e.field || "body"}: ${e.message}`).join("; ");
    box.textContent = `${err.problem.title} (${err.problem.code}): ${err.problem.detail}${fields ? ` (${fields})` : ""}` +
      (err.requestId ? ` [request ${err.requestId}]` : "");
  } else {
    box.textContent = err instanceof Error ? err.message : String(err);
  }
  box.hidden = false;
}

function clearError() {
  $("#error").hidden = true;
  $("#error").textContent = "";
}

/** Runs a handler, reporting its error on the page instead of in the console. */
function guarded(handler) {
  return async (event) => {
    event?.preventDefault?.();
    clearError();
    document.body.dataset.busy = "true";
    try {
      await handler(event);
    } catch (err) {
      reportError(err);
    } finally {
      delete document.body.dataset.busy;
    }
  };
}

// --- signing in

let session = null;

async function signedIn(newSession) {
  session = newSession;
  api.token = session.access_token;
  sessionStorage.setItem("rapport-session", JSON.stringify(session));
  $("#whoami").textContent = `Signed in as ${session.user.name} <${session.user.email}>`;
  hide("#auth-form");
  show("#logout", "#create", "#contacts", "#agenda");
  await Promise.all([reloadContacts(), loadAgenda()]);
}

$("#auth-form").addEventListener(
  "submit",
  guarded(async (event) => {
    const form = new FormData(event.target);
    const email = String(form.get("email"));
    const password = String(form.get("password"));
    const action = event.submitter?.value ?? "login";
    const { data } =
      action === "register"
        ? await api.register(email, password, String(form.get("name") || email))
        : await api.login(email, password);
    await signedIn(data);
  }),
);

$("#logout").addEventListener(
  "click",
  guarded(async () => {
    const refresh = session?.refresh_token;
    session = null;
    api.token = null;
    sessionStorage.removeItem("rapport-session");
    if (refresh) await api.logout(refresh);
    $("#whoami").textContent = "";
    hide("#logout", "#create", "#contacts", "#agenda");
    show("#auth-form");
  }),
);

// --- adding a contact, safely retried

let lastCreate = null; // { body, key }: what "Send the same create again" sends

/** Sends a create; the status line is written last, when the lists show it. */
async function sendCreate(body, key, form) {
  const { status, data, headers } = await api.createContact(body, key);
  form?.reset();
  await Promise.all([reloadContacts(), loadAgenda()]);
  const replayed = headers.get("Idempotent-Replayed") === "true";
  const etag = headers.get("ETag");
  const line = $("#create-status");
  line.dataset.replayed = String(replayed);
  line.dataset.etag = etag ?? "";
  line.dataset.contactId = data.id;
  line.textContent = replayed
    ? `Replayed: the server had already created ${data.full_name} for this key (${status}, ETag ${etag}); no duplicate.`
    : `Created ${data.full_name} (${status}, ETag ${etag}, Idempotent-Replayed: ${headers.get("Idempotent-Replayed") ?? "absent"}).`;
}

$("#create-form").addEventListener(
  "submit",
  guarded(async (event) => {
    const form = new FormData(event.target);
    const body = { full_name: String(form.get("full_name")).trim() };
    for (const field of ["company", "next_step", "next_step_due"]) {
      const value = String(form.get(field) ?? "").trim();
      if (value) body[field] = value;
    }
    const email = String(form.get("email") ?? "").trim();
    if (email) body.emails = [email];
    lastCreate = { body, key: `web-${crypto.randomUUID()}` };
    $("#create-again").disabled = false;
    await sendCreate(lastCreate.body, lastCreate.key, event.target);
  }),
);

$("#create-again").addEventListener(
  "click",
  guarded(async () => {
    if (lastCreate) await sendCreate(lastCreate.body, lastCreate.key);
  }),
);

// --- contacts, a page at a time

let nextCursor = null;

function contactItem(contact) {
  const li = document.createElement("li");
  li.dataset.id = contact.id;
  const name = document.createElement("strong");
  name.textContent = contact.full_name;
  li.append(name);
  const details = [contact.company, contact.emails?.[0], contact.next_step].filter(Boolean).join(" · ");
  if (details) li.append(` ${details}`);
  return li;
}

async function loadContacts(cursor) {
  const { data } = await api.listContacts({ limit: PAGE_SIZE, cursor, sort: "name" });
  const list = $("#contact-list");
  if (!cursor) list.replaceChildren();
  list.append(...data.data.map(contactItem));
  nextCursor = data.next_cursor ?? null;
  $("#more").hidden = nextCursor === null;
  $("#contacts-status").textContent = list.children.length
    ? `${list.children.length} shown${nextCursor ? ", more to load" : ", all of them"}.`
    : "No contacts yet.";
}

const reloadContacts = () => loadContacts(undefined);

$("#more").addEventListener(
  "click",
  guarded(async () => {
    if (nextCursor) await loadContacts(nextCursor);
  }),
);

// --- the agenda

async function loadAgenda() {
  const until = new Date(Date.now() + 14 * 86400e3).toISOString().slice(0, 10);
  const { data } = await api.agenda(until);
  const list = $("#agenda-list");
  list.replaceChildren(
    ...data.data.map((item) => {
      const li = document.createElement("li");
      li.dataset.kind = item.kind;
      const who = item.contacts.map((c) => c.full_name).join(", ");
      li.textContent = `${item.due_on}${item.overdue ? " (overdue)" : ""}: ${item.reason}${who ? ` (${who})` : ""}`;
      return li;
    }),
  );
  $("#agenda-status").textContent = data.data.length ? "" : "Nothing due.";
}

// --- a session kept for this tab

const saved = sessionStorage.getItem("rapport-session");
if (saved) {
  guarded(async () => {
    const kept = JSON.parse(saved);
    api.token = kept.access_token;
    await api.me();
    await signedIn(kept);
  })().catch(() => {});
}
