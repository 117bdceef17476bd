// The built dashboard in headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH; never downloaded)
// against a real management API over a real worker on Azurite: the list, a status filter that is a URL, an
// instance's timeline, raising an event from the UI, the keyboard, a phone's viewport, a host without the
// dashboard's own endpoints. Run with `npm run test:browser` after `npm run build`.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { assetsDir } from "../../index.js";
import { startDashboardHost, type DashboardHost } from "./dashboard-host.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
let host: DashboardHost;
let browser: Browser;
const ids = {
  hello: "hello-1",
  hello2: "hello-2",
  fails: "fails-1",
  wait: "wait-1",
  waitKeys: "wait-2",
  doomed: "wait-3",
  parent: "parent-1",
  child: "child-1",
};

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium or set CHROMIUM_PATH`);
  if (!existsSync(`${assetsDir}/index.html`))
    throw new Error(`no built dashboard in ${assetsDir}: run npm run build`);
  [host, browser] = await Promise.all([
    startDashboardHost("DashHub"),
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] }),
  ]);
  const c = host.client;
  await c.scheduleNewOrchestration("Hello", "Ada", { instanceId: ids.hello });
  await c.scheduleNewOrchestration("Hello", "Bob", { instanceId: ids.hello2 });
  await c.scheduleNewOrchestration("Fails", null, { instanceId: ids.fails });
  await c.scheduleNewOrchestration("WaitFor", "Cy", { instanceId: ids.wait });
  await c.scheduleNewOrchestration("WaitFor", "Di", { instanceId: ids.waitKeys });
  await c.scheduleNewOrchestration("WaitFor", "Ed", { instanceId: ids.doomed });
  await c.scheduleNewOrchestration("Parent", ids.child, { instanceId: ids.parent });
  await c.waitForOrchestrationCompletion(ids.hello);
  await c.waitForOrchestrationCompletion(ids.hello2);
  await c.waitForOrchestrationCompletion(ids.fails);
  for (const id of [ids.wait, ids.waitKeys, ids.doomed]) {
    // Running, past its activity, waiting for "go".
    for (let i = 0; ; i++) {
      const s = await c.getOrchestrationState(id);
      if (s?.serializedCustomStatus?.includes("waiting for go")) break;
      if (i > 600) throw new Error(`${id} never reached its wait`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  // The child runs, its activity held in flight.
  for (let i = 0; (await c.getOrchestrationState(ids.child))?.runtimeStatus !== "Running"; i++) {
    if (i > 600) throw new Error(`${ids.child} never started`);
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
});

async function open(path = "", viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(20_000);
  await page.goto(`${host.url}/dashboard/${path}`);
  return page;
}

/** With DASHBOARD_SCREENSHOTS=<folder>, the views are saved there as PNG (the docs' pictures come from here). */
async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.DASHBOARD_SCREENSHOTS;
  if (dir) await page.screenshot({ path: join(dir, `dashboard-${name}.png`), fullPage: false });
}

const rowIds = (page: Page): Promise<string[]> =>
  page
    .locator("table.instances tbody tr[data-instance-id]")
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-instance-id") ?? "").sort());

describe("the dashboard in a browser", () => {
  it("lists the instances with their counts per status", async () => {
    const page = await open();
    await page.locator(`tr[data-instance-id="${ids.fails}"]`).waitFor();
    expect(await rowIds(page)).toEqual(Object.values(ids).sort());
    await expect.poll(() => page.locator(".count-total strong").textContent()).toBe("8");
    expect(await page.getByRole("button", { name: /^Completed 2$/ }).count()).toBe(1);
    await expect.poll(() => page.getByRole("button", { name: /^Running 5$/ }).count()).toBe(1);
    await screenshot(page, "instances");
    await page.close();
  });

  it("filters by status: the URL holds the filter, the rows follow it, and the URL alone reopens it", async () => {
    const page = await open();
    await page.locator(`tr[data-instance-id="${ids.fails}"]`).waitFor();
    await page.getByRole("group", { name: "Runtime status" }).getByLabel("Failed").check();
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL(/#\/instances\?runtimeStatus=Failed$/);
    await expect.poll(() => rowIds(page)).toEqual([ids.fails]);
    const url = page.url();
    await page.close();

    const again = await browser.newPage();
    await again.goto(url);
    await again.locator(`tr[data-instance-id="${ids.fails}"]`).waitFor();
    expect(await rowIds(again)).toEqual([ids.fails]);
    await expect.poll(() => again.locator(".count-total strong").textContent()).toBe("1");
    await again.close();
  });

  it("opens an instance from the list and shows its history as a timeline, a table and JSON", async () => {
    const page = await open();
    await page.getByRole("link", { name: ids.hello, exact: true }).click();
    await page.waitForURL(new RegExp(`#/instances/${ids.hello}$`));
    await page.getByRole("heading", { name: new RegExp(ids.hello) }).waitFor();
    const activities = page.locator('.timeline li[data-kind="activity"]');
    await expect.poll(() => activities.count()).toBe(2);
    expect(await activities.first().locator(".timeline-track").getAttribute("aria-label")).toMatch(
      /^activity SayHello: completed, \d/,
    );
    expect(await page.locator('.timeline li[data-kind="orchestration"]').textContent()).toContain("Hello");
    expect(await page.locator("pre.json[aria-label=Output]").textContent()).toContain("Hello Ada again!");
    await page.locator("#history-title").scrollIntoViewIfNeeded();
    await screenshot(page, "timeline");

    await page.getByRole("link", { name: "Table" }).click();
    await page.waitForURL(/\?tab=table$/);
    // The table's rows are read when the tab opens.
    await expect.poll(() => page.locator("table.history tbody tr").count()).toBeGreaterThanOrEqual(4);
    await page.getByRole("link", { name: "JSON" }).click();
    // The History rows as stored (DTF's shape), or the management API's condensed history on a host without
    // the dashboard's history endpoint.
    const json = page.locator("pre.json[aria-label='History as JSON']");
    await json.waitFor();
    const history = JSON.parse((await json.textContent()) ?? "") as Record<string, unknown>[];
    expect(history.find((e) => e.EventType === "ExecutionStarted")).toMatchObject(
      host.servesHubEndpoints ? { Name: "Hello" } : { FunctionName: "Hello" },
    );
    await page.close();
  });

  it("shows a sub-orchestration's activity in flight, and links it to its parent, which waits for it", async () => {
    if (!host.servesHubEndpoints) return; // the management API's condensed history has no call in flight
    const page = await open(`#/instances/${ids.child}`);
    const wait = page.locator('[data-wait="activity"]');
    await wait.waitFor();
    expect(await wait.textContent()).toMatch(/^activity Held since .+ \(\d/);
    expect(await page.locator('.timeline li[data-kind="activity"] .bar-pending').count()).toBe(1);
    await page.locator("a[data-parent]").click();
    await page.waitForURL(new RegExp(`#/instances/${ids.parent}$`));
    const child = page.locator('[data-wait="subOrchestration"] a');
    await child.waitFor();
    expect(await child.getAttribute("href")).toBe(`#/instances/${ids.child}`);
    await page.close();
  });

  it("shows a failed instance's failure", async () => {
    const page = await open(`#/instances/${ids.fails}`);
    await page.getByRole("heading", { name: "Failure" }).waitFor();
    expect(await page.locator(".failure").textContent()).toContain("the card was declined");
    expect(await page.locator('.timeline li[data-kind="activity"] .bar-failed').count()).toBe(1);
    await page.close();
  });

  it("raises an event from the UI (JSON checked as typed) and the waiting instance completes", async () => {
    const page = await open(`#/instances/${ids.wait}`);
    await page.locator('[data-wait="event"]').waitFor();
    await screenshot(page, "instance");
    await page.getByRole("button", { name: "Raise event" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Event name").fill("go");
    const payload = dialog.getByLabel(/^Payload/);
    await payload.fill("{approved: yes}");
    expect(await dialog.getByRole("button", { name: "Raise event" }).isDisabled()).toBe(true);
    expect(await dialog.locator(".error").textContent()).toMatch(/^Not valid JSON/);
    await payload.fill('{"approved": true}');
    await dialog.getByRole("button", { name: "Raise event" }).click();
    await page.getByRole("status").filter({ hasText: 'Event "go" raised.' }).waitFor();
    await page.locator(".badge", { hasText: "Completed" }).first().waitFor({ timeout: 30_000 });
    expect(JSON.parse((await page.locator("pre.json[aria-label=Output]").textContent()) ?? "")).toEqual({
      got: { approved: true },
    });
    expect((await host.client.getOrchestrationState(ids.wait))?.runtimeStatus).toBe("Completed");
    await page.close();
  });

  it("reaches the actions with the keyboard alone, and their dialog takes the focus", async () => {
    const page = await open(`#/instances/${ids.waitKeys}`);
    await page.getByRole("button", { name: "Raise event" }).waitFor();
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => document.activeElement?.textContent === "Raise event");
    }
    expect(reached).toBe(true);
    // The focus ring shows (the :focus-visible outline of the stylesheet).
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).toBe("solid");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Terminate");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.closest("dialog") !== null)).toBe(true);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect((await host.client.getOrchestrationState(ids.waitKeys))?.runtimeStatus).toBe("Running");
    await page.close();
  });

  it("terminates, then purges, an instance after confirmation", async () => {
    const page = await open(`#/instances/${ids.doomed}`);
    await page.getByRole("button", { name: "Terminate" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(/^Reason/).fill("not needed");
    await dialog.getByRole("button", { name: "Terminate" }).click();
    await page.locator(".badge", { hasText: "Terminated" }).first().waitFor({ timeout: 30_000 });
    expect((await host.client.getOrchestrationState(ids.doomed))?.runtimeStatus).toBe("Terminated");

    await page.getByRole("button", { name: "Purge" }).click();
    await expect.poll(() => dialog.textContent()).toContain("cannot be undone");
    await dialog.getByRole("button", { name: "Purge" }).click();
    await page.waitForURL(/#\/instances$/);
    expect(await host.client.getOrchestrationState(ids.doomed)).toBeUndefined();
    await page.close();
  });

  it("reads an entity's state and signals an operation on it", async () => {
    const page = await open("#/entities");
    await page.getByLabel("Entity name").fill("Counter");
    await page.getByLabel("Key").fill("k1");
    await page.getByRole("button", { name: "Read state" }).click();
    await page.waitForURL(/#\/entities\?name=Counter&key=k1$/);
    await page.getByText("No state (never set, or deleted).").waitFor();
    await page.getByRole("button", { name: "Signal an operation…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Operation").fill("add");
    await dialog.getByLabel(/^Input/).fill("5");
    await dialog.getByRole("button", { name: "Signal" }).click();
    await dialog.waitFor({ state: "detached" });
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Read state" }).click();
          return page
            .locator("pre.json[aria-label='Entity state']")
            .textContent({ timeout: 1000 })
            .catch(() => "");
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe("5");
    await page.close();
  });

  it("fits a phone's 390×844 viewport without horizontal scrolling, list and instance alike", async () => {
    const page = await open("", { width: 390, height: 844 });
    await page.locator(`tr[data-instance-id="${ids.hello}"]`).waitFor();
    const overflow = (): Promise<number> =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, "phone");
    await page.goto(`${host.url}/dashboard/#/instances/${ids.hello}`);
    await page.locator('.timeline li[data-kind="activity"]').first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.close();
  });

  it("shows the task hub's partitions and workers, or says 'not available' on a host without those endpoints", async () => {
    const page = await open("#/hub");
    if (host.servesHubEndpoints) {
      // Each control queue of the hub, read from storage.
      await page.locator("tr[data-partition]").first().waitFor();
      const partitions = await page
        .locator("tr[data-partition]")
        .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-partition")));
      expect(partitions).toEqual([
        "dashhub-control-00",
        "dashhub-control-01",
        "dashhub-control-02",
        "dashhub-control-03",
      ]);
      // This worker takes every partition without leases (partitionManagement "all"): no worker is named.
      await page.getByText("No worker holds a partition.").waitFor();
      await page.getByRole("heading", { name: "Poison messages" }).waitFor();
      await page.getByText("None.").waitFor();
    } else {
      await page.getByText("Not available: this host does not serve the task hub's partitions.").waitFor();
      await page.getByText("Not available: this host does not serve the poison store.").waitFor();
    }
    await page.close();
  });
});
