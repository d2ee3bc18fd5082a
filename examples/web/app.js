// @ts-check
// The page: sign in (or register), add contacts with an Idempotency-Key, list
// them a page at a time over the cursor (the next page loads when the list is
// scrolled to its end, or with "Load more"), open a contact to read its brief
// and intersections, confirm or dismiss an intersection (PATCH with If-Match),
// and show the agenda. Plain DOM, no framework, no build step; typed with
// JSDoc against the generated api.d.ts.
import { ApiError, createApi } from "./client.js";

/** @typedef {import("./client.js").Session} Session */
/** @typedef {import("./client.js").Contact} Contact */
/** @typedef {import("./client.js").CreateContact} CreateContact */
/** @typedef {import("./client.js").Brief} Brief */
/** @typedef {import("./client.js").Goal} Goal */
/** @typedef {import("./client.js").Intersection} Intersection */
/** @typedef {import("./client.js").Decision} Decision */

const apiBase = new URLSearchParams(location.search).get("api") ?? "http://127.0.0.1:8080";
const api = createApi(apiBase);
const PAGE_SIZE = 5;

/**
 * The element `selector` names; the page is static, so a missing one is a bug.
 * @template {HTMLElement} [E=HTMLElement]
 * @param {string} selector
 * @returns {E}
 */
function $(selector) {
  const el = document.querySelector(selector);
  if (!(el instanceof HTMLElement)) throw new Error(`no element ${selector}`);
  return /** @type {E} */ (el);
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [text]
 * @param {Record<string, string>} [attrs]
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

$("#api-base").textContent = apiBase;

/** @param {...string} selectors */
function show(...selectors) {
  for (const s of selectors) $(s).hidden = false;
}

/** @param {...string} selectors */
function hide(...selectors) {
  for (const s of selectors) $(s).hidden = true;
}

/** @param {unknown} err */
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

let busy = 0;

/**
 * Runs a handler, reporting its error on the page instead of in the console.
 * <body data-busy> is set while any handler runs.
 * @template {Event | undefined} E
 * @param {(event: E) => Promise<void>} handler
 * @returns {(event: E) => Promise<void>}
 */
function guarded(handler) {
  return async (event) => {
    if (event?.type === "submit" || event?.type === "click") event.preventDefault();
    clearError();
    busy += 1;
    document.body.dataset.busy = "true";
    try {
      await handler(event);
    } catch (err) {
      reportError(err);
    } finally {
      busy -= 1;
      if (busy === 0) delete document.body.dataset.busy;
    }
  };
}

/** @param {HTMLFormElement} form @param {string} name */
const field = (form, name) => String(new FormData(form).get(name) ?? "").trim();

// --- signing in

/** @type {Session | null} */
let session = null;

/** @param {Session} newSession */
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
  guarded(/** @param {Event} event */ async (event) => {
    const form = /** @type {HTMLFormElement} */ (event.target);
    const email = field(form, "email");
    const password = String(new FormData(form).get("password") ?? "");
    const submitter = /** @type {SubmitEvent} */ (event).submitter;
    const action = submitter instanceof HTMLButtonElement ? submitter.value : "login";
    const { data } =
      action === "register"
        ? await api.register(email, password, field(form, "name") || email)
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
    generation += 1;
    nextCursor = null;
    openContactId = null;
    if (refresh) await api.logout(refresh);
    $("#whoami").textContent = "";
    $("#contact-list").replaceChildren();
    hide("#logout", "#create", "#contacts", "#agenda", "#detail");
    show("#auth-form");
  }),
);

// --- adding a contact, safely retried

/** @type {{ body: CreateContact, key: string } | null} what "Send the same create again" sends */
let lastCreate = null;

/**
 * Sends a create; the status line is written last, when the lists show it.
 * @param {CreateContact} body
 * @param {string} key
 * @param {HTMLFormElement} [form]
 */
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
  guarded(/** @param {Event} event */ async (event) => {
    const form = /** @type {HTMLFormElement} */ (event.target);
    /** @type {CreateContact} */
    const body = { full_name: field(form, "full_name") };
    const company = field(form, "company");
    const nextStep = field(form, "next_step");
    const due = field(form, "next_step_due");
    const email = field(form, "email");
    if (company) body.company = company;
    if (nextStep) body.next_step = nextStep;
    if (due) body.next_step_due = due;
    if (email) body.emails = [email];
    lastCreate = { body, key: `web-${crypto.randomUUID()}` };
    $("#create-again").removeAttribute("disabled");
    await sendCreate(lastCreate.body, lastCreate.key, form);
  }),
);

$("#create-again").addEventListener(
  "click",
  guarded(async () => {
    if (lastCreate) await sendCreate(lastCreate.body, lastCreate.key);
  }),
);

// --- contacts, a page at a time: infinite scroll over the cursor

/** @type {string | null} */
let nextCursor = null;
/** Bumped by every reload: a page that arrives for an older list is dropped. */
let generation = 0;
let loadingMore = false;

/** @param {Contact} contact */
function contactItem(contact) {
  const li = el("li", undefined, { "data-id": contact.id });
  const open = el("button", undefined, { type: "button", class: "open", "aria-controls": "detail" });
  open.append(el("strong", contact.full_name));
  open.addEventListener("click", guarded(() => openContact(contact.id)));
  li.append(open);
  const details = [contact.headline, contact.company, contact.emails[0], contact.next_step].filter(Boolean).join(" · ");
  if (details) li.append(el("span", details, { class: "details" }));
  return li;
}

/** @param {string | undefined} cursor */
async function loadContacts(cursor) {
  const mine = cursor ? generation : ++generation;
  const { data } = await api.listContacts({ limit: PAGE_SIZE, cursor, sort: "name" });
  if (mine !== generation) return;
  const list = $("#contact-list");
  if (!cursor) list.replaceChildren();
  list.append(...data.data.map(contactItem));
  nextCursor = data.next_cursor;
  $("#more").hidden = nextCursor === null;
  const status = $("#contacts-status");
  status.dataset.complete = String(nextCursor === null);
  status.textContent = list.children.length
    ? `${list.children.length} shown${nextCursor ? ", more to load (scroll down)" : ", all of them"}.`
    : "No contacts yet.";
  watchSentinel();
}

const reloadContacts = () => loadContacts(undefined);

const loadMore = guarded(async () => {
  if (!nextCursor || loadingMore) return;
  loadingMore = true;
  try {
    await loadContacts(nextCursor);
  } finally {
    loadingMore = false;
  }
});

$("#more").addEventListener("click", loadMore);

// The sentinel sits after the last contact, inside the scrolling list: when it
// scrolls into view, the next page loads. Observing it again after each page
// asks the observer for a fresh report, so a page too short to fill the box
// still leads to the next one.
const sentinel = $("#contacts-sentinel");
const observer = new IntersectionObserver(
  (entries) => {
    if (entries.some((entry) => entry.isIntersecting)) void loadMore(undefined);
  },
  { root: $("#contacts-scroll"), rootMargin: "0px 0px 40px 0px" },
);
function watchSentinel() {
  observer.unobserve(sentinel);
  if (nextCursor) observer.observe(sentinel);
}

// --- a contact's brief and intersections

/** @type {string | null} */
let openContactId = null;

/** @param {string} id */
async function openContact(id) {
  openContactId = id;
  for (const li of $("#contact-list").querySelectorAll("li")) {
    li.classList.toggle("selected", li instanceof HTMLElement && li.dataset.id === id);
  }
  const [{ data: brief }, { data: page }, { data: mine }] = await Promise.all([
    api.brief(id),
    api.listIntersections({ contact_id: id, limit: 50 }),
    api.listGoals({ owner: "me", limit: 200 }),
  ]);
  if (openContactId !== id) return;
  const titles = new Map([...mine.data, ...brief.goals, ...brief.offers].map((g) => [g.id, g]));
  renderBrief(brief);
  renderIntersections(page.data, titles);
  const detail = $("#detail");
  detail.dataset.contactId = id;
  detail.hidden = false;
  detail.scrollIntoView({ block: "nearest" });
}

/** @param {Brief} brief */
function renderBrief(brief) {
  const { contact } = brief;
  $("#detail-title").textContent = contact.full_name;
  $("#brief-summary").textContent = brief.summary;
  /** @type {[string, string][]} */
  const facts = [];
  if (contact.why) facts.push(["Why they matter", contact.why]);
  if (brief.next_step) {
    const due = brief.next_step.due_on ? ` (due ${brief.next_step.due_on}${brief.next_step.overdue ? ", overdue" : ""})` : "";
    facts.push(["Next step", `${brief.next_step.what}${due}`]);
  }
  const r = brief.reciprocity;
  const balance = { none: "nothing exchanged yet", even: "even", i_owe: "you owe them", they_owe: "they owe you" }[r.balance];
  facts.push(["Reciprocity", `${balance}: you gave ${r.gave_count}, they gave ${r.received_count}` +
    (r.last_received ? `; last from them: ${r.last_received.what}` : "") +
    (r.last_gave ? `; last from you: ${r.last_gave.what}` : "")]);
  const goalsLine = (/** @type {Goal[]} */ goals) => goals.map((g) => g.title).join("; ");
  if (brief.goals.length) facts.push(["Their goals", goalsLine(brief.goals)]);
  if (brief.offers.length) facts.push(["Their offers", goalsLine(brief.offers)]);
  const ground = [...brief.common_ground.shared_interests, ...brief.common_ground.shared_topics];
  if (ground.length) facts.push(["Common ground", [...new Set(ground)].join(", ")]);
  if (brief.open_follow_ups.length) {
    facts.push(["Open follow-ups", brief.open_follow_ups.map((i) => i.follow_up ?? i.summary ?? "").filter(Boolean).join("; ")]);
  }
  $("#brief-facts").replaceChildren(...facts.flatMap(([term, text]) => [el("dt", term), el("dd", text)]));
  $("#brief-questions").replaceChildren(...brief.questions.map((q) => el("li", q.question, { "data-field": q.field })));
}

const KINDS = {
  shared_goal: "You share a goal",
  complementary_goal: "Your goals complete each other",
  i_can_help: "You can help them",
  they_can_help: "They can help you",
  shared_interest: "A shared interest",
};

/**
 * @param {Intersection[]} intersections
 * @param {Map<string, Goal>} goals
 */
function renderIntersections(intersections, goals) {
  $("#intersection-list").replaceChildren(...intersections.map((i) => intersectionItem(i, goals)));
  $("#intersections-status").textContent = intersections.length ? "" : "No intersections yet: add goals and offers on both sides.";
}

/**
 * @param {Intersection} item
 * @param {Map<string, Goal>} goals
 */
function intersectionItem(item, goals) {
  const li = el("li", undefined, { "data-id": item.id, "data-status": item.status, "data-kind": item.kind });
  const head = el("p");
  head.append(el("strong", KINDS[item.kind]), ` (score ${item.score.toFixed(2)}) `, el("span", item.status, { class: "status" }));
  li.append(head);
  const title = (/** @type {string | null} */ id) => (id ? goals.get(id)?.title : undefined);
  const mine = title(item.my_goal_id);
  const theirs = title(item.their_goal_id);
  if (mine || theirs) li.append(el("p", [mine && `You: ${mine}`, theirs && `They: ${theirs}`].filter(Boolean).join(" ↔ "), { class: "items" }));
  const reasons = el("ul", undefined, { class: "reasons" });
  reasons.append(
    ...item.reasons.map((reason) => {
      const phrases = reason.phrases.length ? ` (“${reason.phrases.join("” ↔ “")}”)` : "";
      return el("li", `${reason.term}${phrases}, by ${reason.via}: +${reason.weight.toFixed(2)} of the score`);
    }),
  );
  li.append(reasons);
  if (item.note) li.append(el("p", `Note: ${item.note}`));
  const buttons = el("div", undefined, { class: "buttons" });
  for (const [decision, label] of /** @type {[Decision, string][]} */ ([["confirmed", "Confirm"], ["dismissed", "Dismiss"]])) {
    const button = el("button", label, { type: "button", class: decision === "confirmed" ? "confirm" : "dismiss" });
    button.disabled = item.status === decision;
    button.addEventListener("click", guarded(() => decide(li, item.id, decision, goals)));
    buttons.append(button);
  }
  li.append(buttons);
  return li;
}

/**
 * Reads the intersection's ETag, then sends the decision with If-Match: a
 * change made meanwhile (another tab, a recomputation) answers 412 instead
 * of being overwritten.
 * @param {HTMLLIElement} li
 * @param {string} id
 * @param {Decision} status
 * @param {Map<string, Goal>} goals
 */
async function decide(li, id, status, goals) {
  const { headers } = await api.getIntersection(id);
  const etag = headers.get("ETag");
  if (!etag) throw new Error("the server sent no ETag for the intersection");
  const { data } = await api.updateIntersection(id, { status }, etag);
  li.replaceWith(intersectionItem(data, goals));
}

// --- the agenda

async function loadAgenda() {
  const until = new Date(Date.now() + 14 * 86400e3).toISOString().slice(0, 10);
  const { data } = await api.agenda(until);
  const list = $("#agenda-list");
  list.replaceChildren(
    ...data.data.map((item) => {
      const who = item.contacts.map((c) => c.full_name).join(", ");
      return el("li", `${item.due_on}${item.overdue ? " (overdue)" : ""}: ${item.reason}${who ? ` (${who})` : ""}`, {
        "data-kind": item.kind,
      });
    }),
  );
  $("#agenda-status").textContent = data.data.length ? "" : "Nothing due.";
}

// --- a session kept for this tab

const saved = sessionStorage.getItem("rapport-session");
if (saved) {
  void guarded(async () => {
    /** @type {Session} */
    const kept = JSON.parse(saved);
    api.token = kept.access_token;
    await api.me();
    await signedIn(kept);
  })(undefined);
}
