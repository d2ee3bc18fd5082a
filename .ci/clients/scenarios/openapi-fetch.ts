// The scenario with openapi-typescript's types and openapi-fetch.
import createClient from "openapi-fetch";
import type { components, paths } from "../gen/openapi-typescript/schema";
import { baseUrl, check, email, equal, example, main, password, problem, step } from "./common";

type Contact = components["schemas"]["Contact"];
type Export = components["schemas"]["Export"];
type Goal = components["schemas"]["Goal"];
type Intersection = components["schemas"]["Intersection"];
type Problem = components["schemas"]["Problem"];

// Each operation has one media type per status: JSON bodies, problem+json
// errors; the CSV and vCard exports are read as text.
const api = createClient<paths>({ baseUrl });

main("openapi-fetch", async () => {
  let token = "";
  api.use({
    onRequest({ request }) {
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  });

  await step("register", async () => {
    const { data, response } = await api.POST("/api/v1/auth/register", {
      body: { email: email("openapi-fetch"), password, name: "Ada Lovelace" },
    });
    equal(response.status, 201, "register status");
    check(data, "a session");
    token = data.access_token;
    equal(data.user.name, "Ada Lovelace", "user.name");
  });

  let grace: Contact | undefined;
  let etag = "";
  const key = `create-grace-${Date.now()}`;
  const grace_body = { full_name: "Grace Hopper", emails: ["grace@example.com"], company: "Remington Rand" };

  await step("create a contact with an Idempotency-Key", async () => {
    const { data, response } = await api.POST("/api/v1/contacts", {
      params: { header: { "Idempotency-Key": key } },
      body: grace_body,
    });
    equal(response.status, 201, "create status");
    check(data, "a contact");
    grace = data;
    etag = response.headers.get("ETag") ?? "";
    check(etag, "an ETag");
    check(response.headers.get("Idempotent-Replayed") !== "true", "not replayed the first time");
  });

  await step("the same create again is replayed", async () => {
    const { data, response } = await api.POST("/api/v1/contacts", {
      params: { header: { "Idempotency-Key": key } },
      body: grace_body,
    });
    equal(response.status, 201, "replayed status");
    equal(response.headers.get("Idempotent-Replayed"), "true", "Idempotent-Replayed");
    equal(data?.id, grace?.id, "replayed id");
  });

  await step("read it", async () => {
    check(grace, "created");
    const { data, response } = await api.GET("/api/v1/contacts/{id}", { params: { path: { id: grace.id } } });
    check(data, "a contact");
    equal(data.full_name, "Grace Hopper", "full_name");
    equal(data.emails[0], "grace@example.com", "emails[0]");
    equal(response.headers.get("ETag"), etag, "ETag");
  });

  await step("update it with If-Match", async () => {
    check(grace, "created");
    const { data, response } = await api.PATCH("/api/v1/contacts/{id}", {
      params: { path: { id: grace.id }, header: { "If-Match": etag } },
      body: { company: "US Navy" },
    });
    equal(response.status, 200, "update status");
    equal(data?.company, "US Navy", "company");
    const fresh = response.headers.get("ETag");
    check(fresh && fresh !== etag, "a new ETag");
  });

  await step("a stale If-Match is a 412 problem", async () => {
    check(grace, "created");
    const { error, response } = await api.PATCH("/api/v1/contacts/{id}", {
      params: { path: { id: grace.id }, header: { "If-Match": etag } },
      body: { company: "Remington Rand" },
    });
    const body: Problem | undefined = error;
    problem(response, body, 412, "precondition_failed");
  });

  await step("an invalid contact is a 422 problem with errors[]", async () => {
    const { error, response } = await api.POST("/api/v1/contacts", { body: { full_name: "" } });
    problem(response, error, 422, "validation_failed");
    check(error?.errors?.some((e) => e.field === "full_name"), "errors[] names full_name");
  });

  await step("a missing contact is a 404 problem", async () => {
    const { error, response } = await api.GET("/api/v1/contacts/{id}", {
      params: { path: { id: "00000000-0000-7000-8000-000000000000" } },
    });
    problem(response, error, 404, "not_found");
  });

  await step("list with a cursor page", async () => {
    for (const full_name of ["Katherine Johnson", "Dorothy Vaughan"]) {
      const { response } = await api.POST("/api/v1/contacts", { body: { full_name } });
      equal(response.status, 201, "create status");
    }
    const first = await api.GET("/api/v1/contacts", { params: { query: { limit: 2, sort: "name" } } });
    check(first.data, "a page");
    equal(first.data.data.length, 2, "first page size");
    const cursor = first.data.next_cursor;
    check(typeof cursor === "string", "a next_cursor");
    const second = await api.GET("/api/v1/contacts", { params: { query: { limit: 2, sort: "name", cursor } } });
    check(second.data, "a second page");
    const names = [...first.data.data, ...second.data.data].map((c: Contact) => c.full_name);
    equal(names.join(", "), "Dorothy Vaughan, Grace Hopper, Katherine Johnson", "names over two pages");
    equal(second.data.next_cursor ?? null, null, "no page after the last");
  });

  await step("search and agenda", async () => {
    const found = await api.GET("/api/v1/search", { params: { query: { q: "hopper" } } });
    check(found.data?.data.some((hit) => hit.id === grace?.id), "search finds Grace");
    const agenda = await api.GET("/api/v1/agenda", { params: { query: { limit: 10 } } });
    check(agenda.data && Array.isArray(agenda.data.data), "an agenda page");
  });

  await step("export as JSON", async () => {
    const { data, response } = await api.GET("/api/v1/export.json");
    check((response.headers.get("content-type") ?? "").startsWith("application/json"), "JSON");
    check(data, "an export");
    const exported: Export = data;
    equal(exported.contacts.length, 3, "exported contacts");
  });

  await step("export as CSV", async () => {
    const { data, response } = await api.GET("/api/v1/export.csv", { parseAs: "text" });
    check((response.headers.get("content-type") ?? "").startsWith("text/csv"), "text/csv");
    const csv: string | undefined = data;
    check(csv !== undefined && csv.split(/\r?\n/)[0]?.includes("full_name"), "a CSV header row");
    check(csv.includes("Grace Hopper"), "Grace in the CSV");
  });

  await step("export as vCard", async () => {
    const { data, response } = await api.GET("/api/v1/export.vcf", { parseAs: "text" });
    check((response.headers.get("content-type") ?? "").startsWith("text/vcard"), "text/vcard");
    const vcf: string | undefined = data;
    equal(vcf?.match(/^BEGIN:VCARD/gm)?.length, 3, "vCards");
  });

  await step("import a vCard file as multipart/form-data", async () => {
    // openapi-typescript types a binary part as a string: the serializer makes
    // the form, the file part a Blob with a file name.
    const { data, response } = await api.POST("/api/v1/imports/upload", {
      params: { query: { format: "vcard" } },
      body: { file: example("contacts.vcf") },
      bodySerializer(body) {
        const form = new FormData();
        form.append("file", new Blob([body.file], { type: "text/vcard" }), "contacts.vcf");
        return form;
      },
    });
    equal(response.status, 200, "import status");
    check(data, "an import report");
    equal(data.created, 1, "created (Mary Jackson)");
    equal(data.merged, 1, "merged (Katherine Johnson, listed already)");
    equal(data.dry_run, false, "dry_run");
  });

  // Added after the exports and the import, so their counts stay as they were.
  const meeting_key = `meet-grace-${Date.now()}`;
  let meeting_id = "";

  await step("record an interaction with an Idempotency-Key", async () => {
    check(grace, "created");
    const body = { contact_ids: [grace.id], kind: "meeting" as const, occurred_at: new Date().toISOString() };
    const first = await api.POST("/api/v1/interactions", {
      params: { header: { "Idempotency-Key": meeting_key } },
      body,
    });
    equal(first.response.status, 201, "interaction status");
    check(first.data, "an interaction");
    meeting_id = first.data.id;
    equal(first.data.kind, "meeting", "interaction.kind");
    equal(first.data.contact_ids[0], grace.id, "interaction.contact_ids[0]");
    check(first.response.headers.get("Idempotent-Replayed") !== "true", "not replayed the first time");
    const again = await api.POST("/api/v1/interactions", {
      params: { header: { "Idempotency-Key": meeting_key } },
      body,
    });
    equal(again.response.status, 201, "replayed status");
    equal(again.response.headers.get("Idempotent-Replayed"), "true", "Idempotent-Replayed");
    equal(again.data?.id, meeting_id, "replayed id");
  });

  let mine: Goal | undefined;
  let offer: Goal | undefined;

  await step("a goal of mine and an offer of a contact", async () => {
    check(grace, "created");
    const goal = await api.POST("/api/v1/goals", { body: { kind: "goal", title: "Hire a product designer" } });
    equal(goal.response.status, 201, "goal status");
    check(goal.data, "a goal");
    mine = goal.data;
    equal(mine.contact_id, null, "my goal's contact_id");
    const theirs = await api.POST("/api/v1/goals", {
      body: { contact_id: grace.id, kind: "offer", title: "I place senior product designers" },
    });
    equal(theirs.response.status, 201, "offer status");
    check(theirs.data, "an offer");
    offer = theirs.data;
    equal(offer.contact_id, grace.id, "offer.contact_id");
    equal(offer.kind, "offer", "offer.kind");
  });

  await step("list goals with a filter", async () => {
    const mineOnly = await api.GET("/api/v1/goals", { params: { query: { owner: "me", kind: "goal" } } });
    check(mineOnly.data, "a page of goals");
    equal(mineOnly.data.data.map((g: Goal) => g.id).join(), mine?.id, "my goals");
    const offers = await api.GET("/api/v1/goals", { params: { query: { contact_id: grace?.id, kind: "offer" } } });
    check(offers.data, "a page of offers");
    equal(offers.data.data.map((g: Goal) => g.id).join(), offer?.id, "Grace's offers");
  });

  let pair: Intersection | undefined;

  await step("the designer intersection appears (Prefer: wait=5)", async () => {
    check(grace && mine && offer, "goals created");
    for (let attempt = 0; attempt < 6 && !pair; attempt++) {
      const { data, response } = await api.GET("/api/v1/intersections", {
        params: { query: { contact_id: grace.id }, header: { Prefer: "wait=5" } },
      });
      equal(response.status, 200, "intersections status");
      check(data, "a page of intersections");
      pair = data.data.find((i: Intersection) => i.my_goal_id === mine?.id && i.their_goal_id === offer?.id);
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
    const read = await api.GET("/api/v1/intersections/{id}", { params: { path: { id: pair.id } } });
    equal(read.response.status, 200, "intersection status");
    const tag = read.response.headers.get("ETag");
    check(tag, "an ETag");
    const { data, response } = await api.PATCH("/api/v1/intersections/{id}", {
      params: { path: { id: pair.id }, header: { "If-Match": tag } },
      body: { status: "confirmed" },
    });
    equal(response.status, 200, "update status");
    equal(data?.status, "confirmed", "intersection.status");
    equal(data?.id, pair.id, "the same intersection");
  });
});
