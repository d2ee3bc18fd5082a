// The scenario with orval's fetch client (through the custom-fetch mutator in
// orval-fetch.ts). Every call answers `{ status, data, headers }`, `data`
// typed by the status.
import {
  createContact,
  createGoal,
  createInteraction,
  exportCsv,
  exportJson,
  exportVcard,
  getAgenda,
  getContact,
  getIntersection,
  listContacts,
  listGoals,
  listIntersections,
  register,
  searchEverything,
  updateContact,
  updateIntersection,
  upload,
  type Contact,
  type Export,
  type Goal,
  type ImportReport,
  type Intersection,
  type Problem,
} from "../gen/orval/rapport";
import { baseUrl, check, email, equal, example, main, password, problem, step } from "./common";
import { setToken } from "./orval-fetch";

// The problem helper reads the status and Content-Type from a Response.
function asResponse(r: { status: number; headers: Headers }): Response {
  return new Response(null, { status: r.status, headers: r.headers });
}

main("orval", async () => {
  check(baseUrl, "a server");

  await step("register", async () => {
    const r = await register({ email: email("orval"), password, name: "Ada Lovelace" });
    check(r.status === 201, `register status ${r.status}`);
    setToken(r.data.access_token);
    equal(r.data.user.name, "Ada Lovelace", "user.name");
  });

  let grace: Contact | undefined;
  let etag = "";
  const key = `create-grace-${Date.now()}`;
  const grace_body = { full_name: "Grace Hopper", emails: ["grace@example.com"], company: "Remington Rand" };

  await step("create a contact with an Idempotency-Key", async () => {
    const r = await createContact(grace_body, { "Idempotency-Key": key });
    check(r.status === 201, `create status ${r.status}`);
    grace = r.data;
    etag = r.headers.get("ETag") ?? "";
    check(etag, "an ETag");
    check(r.headers.get("Idempotent-Replayed") !== "true", "not replayed the first time");
  });

  await step("the same create again is replayed", async () => {
    const r = await createContact(grace_body, { "Idempotency-Key": key });
    check(r.status === 201, `replayed status ${r.status}`);
    equal(r.headers.get("Idempotent-Replayed"), "true", "Idempotent-Replayed");
    equal(r.data.id, grace?.id, "replayed id");
  });

  await step("read it", async () => {
    check(grace, "created");
    const r = await getContact(grace.id);
    check(r.status === 200, `read status ${r.status}`);
    equal(r.data.full_name, "Grace Hopper", "full_name");
    equal(r.data.emails[0], "grace@example.com", "emails[0]");
    equal(r.headers.get("ETag"), etag, "ETag");
  });

  await step("update it with If-Match", async () => {
    check(grace, "created");
    const r = await updateContact(grace.id, { company: "US Navy" }, { "If-Match": etag });
    check(r.status === 200, `update status ${r.status}`);
    equal(r.data.company, "US Navy", "company");
    const fresh = r.headers.get("ETag");
    check(fresh && fresh !== etag, "a new ETag");
  });

  await step("a stale If-Match is a 412 problem", async () => {
    check(grace, "created");
    const r = await updateContact(grace.id, { company: "Remington Rand" }, { "If-Match": etag });
    check(r.status === 412, `stale update status ${r.status}`);
    const body: Problem = r.data;
    problem(asResponse(r), body, 412, "precondition_failed");
  });

  await step("an invalid contact is a 422 problem with errors[]", async () => {
    const r = await createContact({ full_name: "" });
    check(r.status === 422, `invalid create status ${r.status}`);
    problem(asResponse(r), r.data, 422, "validation_failed");
    check(r.data.errors?.some((e) => e.field === "full_name"), "errors[] names full_name");
  });

  await step("a missing contact is a 404 problem", async () => {
    const r = await getContact("00000000-0000-7000-8000-000000000000");
    check(r.status === 404, `missing contact status ${r.status}`);
    problem(asResponse(r), r.data, 404, "not_found");
  });

  await step("list with a cursor page", async () => {
    for (const full_name of ["Katherine Johnson", "Dorothy Vaughan"]) {
      const r = await createContact({ full_name });
      equal(r.status, 201, "create status");
    }
    const first = await listContacts({ limit: 2, sort: "name" });
    check(first.status === 200, `list status ${first.status}`);
    equal(first.data.data.length, 2, "first page size");
    const cursor = first.data.next_cursor;
    check(typeof cursor === "string", "a next_cursor");
    const second = await listContacts({ limit: 2, sort: "name", cursor });
    check(second.status === 200, `second list status ${second.status}`);
    const names = [...first.data.data, ...second.data.data].map((c: Contact) => c.full_name);
    equal(names.join(", "), "Dorothy Vaughan, Grace Hopper, Katherine Johnson", "names over two pages");
    equal(second.data.next_cursor ?? null, null, "no page after the last");
  });

  await step("search and agenda", async () => {
    const found = await searchEverything({ q: "hopper" });
    check(found.status === 200, `search status ${found.status}`);
    check(found.data.data.some((hit) => hit.id === grace?.id), "search finds Grace");
    const agenda = await getAgenda({ limit: 10 });
    check(agenda.status === 200 && Array.isArray(agenda.data.data), "an agenda page");
  });

  await step("export as JSON", async () => {
    const r = await exportJson();
    check(r.status === 200, `export status ${r.status}`);
    check((r.headers.get("content-type") ?? "").startsWith("application/json"), "JSON");
    const exported: Export = r.data;
    equal(exported.contacts.length, 3, "exported contacts");
  });

  await step("export as CSV", async () => {
    const r = await exportCsv();
    check(r.status === 200, `export status ${r.status}`);
    check((r.headers.get("content-type") ?? "").startsWith("text/csv"), "text/csv");
    const csv: string = r.data;
    check(csv.split(/\r?\n/)[0]?.includes("full_name"), "a CSV header row");
    check(csv.includes("Grace Hopper"), "Grace in the CSV");
  });

  await step("export as vCard", async () => {
    const r = await exportVcard();
    check(r.status === 200, `export status ${r.status}`);
    check((r.headers.get("content-type") ?? "").startsWith("text/vcard"), "text/vcard");
    const vcf: string = r.data;
    equal(vcf.match(/^BEGIN:VCARD/gm)?.length, 3, "vCards");
  });

  await step("import a vCard file as multipart/form-data", async () => {
    const file = new File([example("contacts.vcf")], "contacts.vcf", { type: "text/vcard" });
    const r = await upload({ file }, { format: "vcard" });
    check(r.status === 200, `import status ${r.status}: ${JSON.stringify(r.data)}`);
    const report: ImportReport = r.data;
    equal(report.created, 1, "created (Mary Jackson)");
    equal(report.merged, 1, "merged (Katherine Johnson, listed already)");
    equal(report.dry_run, false, "dry_run");
  });

  // Added after the exports and the import, so their counts stay as they were.
  const meeting_key = `meet-grace-${Date.now()}`;
  let meeting_id = "";

  await step("record an interaction with an Idempotency-Key", async () => {
    check(grace, "created");
    const body = { contact_ids: [grace.id], kind: "meeting" as const, occurred_at: new Date().toISOString() };
    const first = await createInteraction(body, { "Idempotency-Key": meeting_key });
    check(first.status === 201, `interaction status ${first.status}: ${JSON.stringify(first.data)}`);
    meeting_id = first.data.id;
    equal(first.data.kind, "meeting", "interaction.kind");
    equal(first.data.contact_ids[0], grace.id, "interaction.contact_ids[0]");
    check(first.headers.get("Idempotent-Replayed") !== "true", "not replayed the first time");
    const again = await createInteraction(body, { "Idempotency-Key": meeting_key });
    check(again.status === 201, `replayed status ${again.status}`);
    equal(again.headers.get("Idempotent-Replayed"), "true", "Idempotent-Replayed");
    equal(again.data.id, meeting_id, "replayed id");
  });

  let mine: Goal | undefined;
  let offer: Goal | undefined;

  await step("a goal of mine and an offer of a contact", async () => {
    check(grace, "created");
    const goal = await createGoal({ kind: "goal", title: "Hire a product designer" });
    check(goal.status === 201, `goal status ${goal.status}: ${JSON.stringify(goal.data)}`);
    mine = goal.data;
    equal(mine.contact_id, null, "my goal's contact_id");
    const theirs = await createGoal({ contact_id: grace.id, kind: "offer", title: "I place senior product designers" });
    check(theirs.status === 201, `offer status ${theirs.status}: ${JSON.stringify(theirs.data)}`);
    offer = theirs.data;
    equal(offer.contact_id, grace.id, "offer.contact_id");
    equal(offer.kind, "offer", "offer.kind");
  });

  await step("list goals with a filter", async () => {
    const mineOnly = await listGoals({ owner: "me", kind: "goal" });
    check(mineOnly.status === 200, `goals status ${mineOnly.status}`);
    equal(mineOnly.data.data.map((g: Goal) => g.id).join(), mine?.id, "my goals");
    const offers = await listGoals({ contact_id: grace?.id, kind: "offer" });
    check(offers.status === 200, `offers status ${offers.status}`);
    equal(offers.data.data.map((g: Goal) => g.id).join(), offer?.id, "Grace's offers");
  });

  let pair: Intersection | undefined;

  await step("the designer intersection appears (Prefer: wait=5)", async () => {
    check(grace && mine && offer, "goals created");
    for (let attempt = 0; attempt < 6 && !pair; attempt++) {
      const r = await listIntersections({ contact_id: grace.id }, { Prefer: "wait=5" });
      check(r.status === 200, `intersections status ${r.status}`);
      pair = r.data.data.find((i: Intersection) => i.my_goal_id === mine?.id && i.their_goal_id === offer?.id);
    }
    check(pair, "an intersection of my goal and Grace's offer");
    equal(pair.kind, "they_can_help", "intersection.kind");
    equal(pair.status, "suggested", "intersection.status");
    check(pair.score > 0 && pair.score <= 1, `a score in (0, 1], got ${pair.score}`);
    check(pair.reasons.length > 0, "reasons");
    check(pair.reasons.every((r) => r.term.length > 0 && r.weight > 0), "each reason a term and a weight");
  });

  await step("confirm it with If-Match", async () => {
    check(pair, "found");
    const read = await getIntersection(pair.id);
    check(read.status === 200, `intersection status ${read.status}`);
    const tag = read.headers.get("ETag");
    check(tag, "an ETag");
    const r = await updateIntersection(pair.id, { status: "confirmed" }, { "If-Match": tag });
    check(r.status === 200, `update status ${r.status}: ${JSON.stringify(r.data)}`);
    equal(r.data.status, "confirmed", "intersection.status");
    equal(r.data.id, pair.id, "the same intersection");
  });
});
