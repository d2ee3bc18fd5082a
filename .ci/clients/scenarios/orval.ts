// The scenario with orval's fetch client (through the custom-fetch mutator in
// orval-fetch.ts). Every call answers `{ status, data, headers }`, `data`
// typed by the status.
import {
  createContact,
  exportCsv,
  exportJson,
  exportVcard,
  getAgenda,
  getContact,
  listContacts,
  register,
  searchEverything,
  updateContact,
  upload,
  type Contact,
  type Export,
  type ImportReport,
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
});
