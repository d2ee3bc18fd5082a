// Drives examples/web in headless Chromium (Debian's /usr/bin/chromium, through
// puppeteer-core) as a person would: register, add a contact, see it listed,
// send the same create again and see the replay reported (the page reads
// Idempotent-Replayed and ETag across origins), page through the contacts,
// see the agenda, log out and in again, and save a screenshot. Any console error, page error, failed
// request or error status in the page fails the run.
//
// Environment: WEB_URL (the page, with ?api=...), CHROMIUM, SCREENSHOT.
import puppeteer from "puppeteer-core";

const pageUrl = process.env.WEB_URL;
const screenshot = process.env.SCREENSHOT;
if (!pageUrl || !screenshot) throw new Error("WEB_URL and SCREENSHOT are needed");

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
