// Drives examples/web in headless Chromium (Debian's /usr/bin/chromium, through
// puppeteer-core) as a person would: register, add a contact, see it listed,
// send the same create again and see the replay reported (the page reads
// Idempotent-Replayed and ETag across origins), page through the contacts
// with "Load more", see the agenda, log out and in again, scroll the contacts
// to their end to load the next pages (infinite scroll over the cursor), open
// a contact to read its brief and intersections with their reasons, confirm
// one and dismiss another (GET for the ETag, PATCH with If-Match), and save a
// screenshot. The goals, offers and extra contacts behind the intersections
// are set up through the API from here (fetch, with the page's token). Any
// console error, page error, failed request or error status in the page fails
// the run.
//
// Environment: WEB_URL (the page, with ?api=...), CHROMIUM, SCREENSHOT.
import puppeteer from "puppeteer-core";

const pageUrl = process.env.WEB_URL;
const screenshot = process.env.SCREENSHOT;
if (!pageUrl || !screenshot) throw new Error("WEB_URL and SCREENSHOT are needed");

const apiBase = new URL(pageUrl).searchParams.get("api");
if (!apiBase) throw new Error("WEB_URL needs ?api=");

/** The API from Node.js (no browser, so no CORS): setting up data as another client would. */
async function call(token, method, path, body, headers = {}) {
  const response = await fetch(new URL(`/api/v1${path}`, apiBase), {
    method,
    headers: {
      Accept: "application/json",
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const problems = [];
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  // Root in a container: no sandbox. Nothing reaches out but to loopback.
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
  ],
  defaultViewport: { width: 1000, height: 1200 },
  timeout: 30_000,
});

let step = 0;
async function expect(what, run) {
  await run();
  step += 1;
  console.log(`  ok ${what}`);
}

const page = await browser.newPage();
try {
  page.setDefaultTimeout(10_000);
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "assert") problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });

  const text = (selector) => page.$eval(selector, (el) => el.textContent ?? "");
  const waitText = (selector, needle) =>
    page.waitForFunction(
      (s, n) => (document.querySelector(s)?.textContent ?? "").includes(n),
      {},
      selector,
      needle,
    );
  const listed = () => page.$$eval("#contact-list li strong", (els) => els.map((el) => el.textContent));
  // The page marks <body data-busy> while a request of its own runs.
  const idle = () => page.waitForSelector("body:not([data-busy])");
  async function fill(selector, value) {
    await idle();
    await page.$eval(selector, (el) => (el.value = ""));
    await page.type(selector, value);
  }

  await expect("the page loads (its modules from its own origin)", async () => {
    await page.goto(pageUrl, { waitUntil: "networkidle0" });
    await page.waitForSelector("#auth-form");
  });

  const email = `web-${Date.now()}@example.com`;
  await expect("register", async () => {
    await fill("#auth-form [name=email]", email);
    await fill("#auth-form [name=password]", "tangerine hedgehog orbit 42");
    await fill("#auth-form [name=name]", "Ada Lovelace");
    await page.click("#register");
    await waitText("#whoami", email);
    await page.waitForSelector("#create:not([hidden])");
  });

  const due = new Date(Date.now() + 3 * 86400e3).toISOString().slice(0, 10);
  await expect("add a contact: created, its ETag read across origins", async () => {
    await fill("#create-form [name=full_name]", "Grace Hopper");
    await fill("#create-form [name=email]", "grace@example.com");
    await fill("#create-form [name=company]", "Remington Rand");
    await fill("#create-form [name=next_step]", "Send the article on compilers");
    // A date input takes the date typed as the locale shows it; set it instead.
    await page.$eval("#create-form [name=next_step_due]", (el, d) => (el.value = d), due);
    await page.click("#create-submit");
    await waitText("#create-status", "Created Grace Hopper");
    const status = await page.$eval("#create-status", (el) => ({ ...el.dataset }));
    if (status.replayed !== "false") throw new Error(`first create reported replayed=${status.replayed}`);
    if (!/^(W\/)?"/.test(status.etag ?? "")) throw new Error(`no ETag read by the page: ${JSON.stringify(status)}`);
  });

  await expect("the contact is listed", async () => {
    await page.waitForFunction(() =>
      [...document.querySelectorAll("#contact-list li strong")].some((el) => el.textContent === "Grace Hopper"),
    );
  });

  await expect("the agenda shows its next step", async () => {
    await waitText("#agenda-list", "Send the article on compilers");
  });

  await expect("the same create again is reported as replayed (Idempotent-Replayed read across origins)", async () => {
    const first = await page.$eval("#create-status", (el) => el.dataset.contactId);
    await idle();
    await page.click("#create-again");
    await page.waitForSelector('#create-status[data-replayed="true"]');
    const status = await page.$eval("#create-status", (el) => ({ ...el.dataset }));
    if (status.replayed !== "true" || status.contactId !== first) {
      throw new Error(`replay not reported: ${JSON.stringify(status)}`);
    }
    const names = await listed();
    if (names.filter((n) => n === "Grace Hopper").length !== 1) throw new Error(`a duplicate was listed: ${names}`);
  });

  await expect("contacts come five at a time; the cursor loads the rest", async () => {
    for (const name of ["Katherine Johnson", "Dorothy Vaughan", "Mary Jackson", "Annie Easley", "Christine Darden"]) {
      await fill("#create-form [name=full_name]", name);
      await page.click("#create-submit");
      await waitText("#create-status", `Created ${name}`);
    }
    await page.waitForFunction(() => document.querySelectorAll("#contact-list li").length === 5);
    if (await page.$eval("#more", (el) => el.hidden)) throw new Error("no Load more with six contacts");
    await idle();
    await page.click("#more");
    await page.waitForFunction(() => document.querySelectorAll("#contact-list li").length === 6);
    await page.waitForSelector("#more[hidden]");
    const names = await listed();
    const sorted = [...names].sort((a, b) => a.localeCompare(b));
    if (JSON.stringify(names) !== JSON.stringify(sorted)) throw new Error(`not in name order: ${names}`);
    await waitText("#contacts-status", "6 shown, all of them");
  });

  // Through the API, beside the page: more contacts (three pages in all), my
  // goal, and a contact's offer that meets it; intersections are computed in
  // the background, so the read waits for them (Prefer: wait=5).
  const setup = {};
  await expect("set up through the API: 12 contacts, my goals, a contact's offers, their intersections", async () => {
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem("rapport-session") ?? "{}").access_token);
    if (!token) throw new Error("no access token in the page's session");
    for (const name of ["Nadia Petrova", "Omar Haddad", "Priya Raman", "Quentin Adeyemi", "Sofia Lindqvist", "Yara Okafor"]) {
      const extra = name === "Yara Okafor"
        ? { headline: "the design recruiter", why: "Knows every senior product designer in town" }
        : {};
      const contact = await call(token, "POST", "/contacts", { full_name: name, ...extra });
      if (name === "Yara Okafor") setup.contact = contact;
    }
    const contactId = setup.contact.id;
    setup.myGoal = await call(token, "POST", "/goals", { kind: "goal", title: "Hire a product designer" });
    setup.theirOffer = await call(token, "POST", "/goals", { kind: "offer", title: "I place senior product designers", contact_id: contactId });
    setup.mySecondGoal = await call(token, "POST", "/goals", { kind: "goal", title: "Raise a seed round for our startup" });
    setup.theirSecondOffer = await call(token, "POST", "/goals", { kind: "offer", title: "I invest in seed rounds of startups", contact_id: contactId });
    const page1 = await call(token, "GET", `/intersections?contact_id=${contactId}&limit=50`, undefined, { Prefer: "wait=5" });
    setup.intersections = page1.data;
    setup.match = page1.data.find((i) => i.my_goal_id === setup.myGoal.id && i.their_goal_id === setup.theirOffer.id);
    if (!setup.match) throw new Error(`no intersection of the designer goal and offer: ${JSON.stringify(page1)}`);
    setup.other = page1.data.find((i) => i.id !== setup.match.id);
    setup.token = token;
    console.log(`    ${page1.data.length} intersection(s) with ${setup.contact.full_name}`);
  });

  await expect("log out, and log in again: the contacts are there", async () => {
    await idle();
    await page.click("#logout");
    await page.waitForSelector("#auth-form:not([hidden])");
    await page.waitForSelector("#contacts[hidden]");
    await fill("#auth-form [name=password]", "tangerine hedgehog orbit 42");
    await page.click("#login");
    await waitText("#whoami", email);
    await page.waitForFunction(() => document.querySelectorAll("#contact-list li").length === 5);
    await waitText("#agenda-list", "Send the article on compilers");
  });

  const count = () => page.$$eval("#contact-list li", (els) => els.length);
  await expect("scrolling to the end of the list loads the next pages (infinite scroll over the cursor)", async () => {
    await idle();
    if ((await count()) !== 5) throw new Error(`${await count()} contacts before scrolling, not 5`);
    await page.$eval("#contacts-scroll", (el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForFunction(() => document.querySelectorAll("#contact-list li").length === 10);
    await idle();
    await page.$eval("#contacts-scroll", (el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForFunction(() => document.querySelectorAll("#contact-list li").length === 12);
    await page.waitForSelector('#contacts-status[data-complete="true"]');
    await page.waitForSelector("#more[hidden]");
    const names = await listed();
    if (new Set(names).size !== names.length) throw new Error(`a contact was listed twice: ${names}`);
    const sorted = [...names].sort((a, b) => a.localeCompare(b));
    if (JSON.stringify(names) !== JSON.stringify(sorted)) throw new Error(`not in name order: ${names}`);
    await waitText("#contacts-status", "12 shown, all of them");
  });

  const card = (id) => `#intersection-list > li[data-id="${id}"]`;
  await expect("open a contact: its brief and its intersections, each with its reasons", async () => {
    await idle();
    await page.click(`#contact-list li[data-id="${setup.contact.id}"] button.open`);
    await page.waitForSelector(`#detail[data-contact-id="${setup.contact.id}"]:not([hidden])`);
    await idle();
    await waitText("#detail-title", "Yara Okafor");
    const summary = await text("#brief-summary");
    if (!summary.includes("Yara Okafor")) throw new Error(`no summary of the contact: ${JSON.stringify(summary)}`);
    await waitText("#brief-facts", "I place senior product designers");
    await waitText("#brief-facts", "Knows every senior product designer in town");
    if ((await page.$$("#brief-questions li")).length === 0) throw new Error("no questions in the brief");
    await waitText("#brief-questions", "How can I help?");
    await page.waitForSelector(card(setup.match.id));
    const shown = await page.$eval(card(setup.match.id), (el) => ({
      status: el.querySelector(".status")?.textContent,
      items: el.querySelector(".items")?.textContent ?? "",
      reasons: [...el.querySelectorAll(".reasons li")].map((li) => li.textContent),
    }));
    if (shown.status !== "suggested") throw new Error(`the intersection is ${shown.status}, not suggested`);
    if (!shown.items.includes("Hire a product designer") || !shown.items.includes("I place senior product designers")) {
      throw new Error(`the intersection does not name both sides: ${shown.items}`);
    }
    if (shown.reasons.length === 0 || shown.reasons.length !== setup.match.reasons.length) {
      throw new Error(`reasons shown ${JSON.stringify(shown.reasons)}, the API gave ${setup.match.reasons.length}`);
    }
    if (!shown.reasons[0].includes(setup.match.reasons[0].term)) throw new Error(`first reason ${shown.reasons[0]}`);
    const shownCount = await page.$$eval("#intersection-list > li", (els) => els.length);
    if (shownCount !== setup.intersections.length) throw new Error(`${shownCount} intersections shown, the API has ${setup.intersections.length}`);
  });

  await expect("confirm it: If-Match from its ETag, the new status shown and stored", async () => {
    await idle();
    await page.click(`${card(setup.match.id)} button.confirm`);
    await page.waitForSelector(`${card(setup.match.id)}[data-status="confirmed"]`);
    await waitText(`${card(setup.match.id)} .status`, "confirmed");
    const stored = await call(setup.token, "GET", `/intersections/${setup.match.id}`);
    if (stored.status !== "confirmed") throw new Error(`the API says ${stored.status}`);
  });

  if (setup.other) {
    await expect("dismiss another: the new status shown and stored", async () => {
      await idle();
      await page.click(`${card(setup.other.id)} button.dismiss`);
      await page.waitForSelector(`${card(setup.other.id)}[data-status="dismissed"]`);
      const stored = await call(setup.token, "GET", `/intersections/${setup.other.id}`);
      if (stored.status !== "dismissed") throw new Error(`the API says ${stored.status}`);
    });
  }

  await expect("no error shown on the page", async () => {
    if (!(await page.$eval("#error", (el) => el.hidden))) throw new Error(`the page shows: ${await text("#error")}`);
  });

  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`  screenshot: ${screenshot}`);
} catch (err) {
  problems.push(`step ${step + 1}: ${err instanceof Error ? err.message : String(err)}`);
  // The page as it was when the step failed.
  await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
  console.error(`  screenshot of the failure: ${screenshot}`);
} finally {
  await browser.close();
}

if (problems.length) {
  console.error("web-check: failed:");
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log(`web-check: ${step} steps passed`);
