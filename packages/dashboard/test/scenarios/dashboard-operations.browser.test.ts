// The operator's work in the built dashboard, in headless Chromium, against a real host on Azurite with two
// workers on one hub (two worker services with their own worker ids in this process, on DTF's partition table):
// the partitions view naming both workers, replaying a poison message from the hub view, and a bulk terminate
// of 200 instances from the instance list, followed until its progress reaches 200. Run with
// `npm run test:browser` after `npm run build`.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { newEvent } from "@taskhub/core";
import { messageDataToJson, newMessageData, partitionIndex } from "@taskhub/azure-storage";
import { assetsDir } from "../../index.js";
import { startDashboardHost, type DashboardHost } from "./dashboard-host.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const BULK_TARGETS = 200;
const BULK_PREFIX = "bulk-";
let host: DashboardHost;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium or set CHROMIUM_PATH`);
  if (!existsSync(`${assetsDir}/index.html`))
    throw new Error(`no built dashboard in ${assetsDir}: run npm run build`);
  [host, browser] = await Promise.all([
    startDashboardHost("DashOps", { partitionManagement: "table", workers: 2 }),
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] }),
  ]);
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

async function waitForCustomStatus(id: string, text: string): Promise<void> {
  for (let i = 0; ; i++) {
    const s = await host.client.getOrchestrationState(id);
    if (s?.serializedCustomStatus?.includes(text)) return;
    if (i > 600) throw new Error(`${id} never reached "${text}"`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("operating a task hub from the dashboard", () => {
  it("shows the partitions shared by two workers, each named with the partitions it holds", async () => {
    expect(host.servesHubEndpoints).toBe(true);
    const [a, b] = host.workerIds;
    const page = await open("#/hub");
    const workers = page.locator("tr[data-worker]");
    // The second worker asks for its share; the hub view (read every 5 s) shows it once handed over.
    await expect
      .poll(() => workers.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-worker")).sort()), {
        timeout: 60_000,
        interval: 500,
      })
      .toEqual([a, b].sort());
    // Every partition has an owner, one of the two, and each worker holds at least one (a partition being handed
    // over has no owner for a moment, so this is read until it holds).
    const owners = (): Promise<string[][]> =>
      page
        .locator("tr[data-partition]")
        .evaluateAll((rows) =>
          rows.map((r) => [r.getAttribute("data-partition") ?? "", r.children[1]?.textContent ?? ""]),
        );
    await expect
      .poll(
        async () => {
          const held = await owners();
          return (
            held.every(([, owner]) => owner === a || owner === b) &&
            new Set(held.map(([, o]) => o)).size === 2
          );
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(true);
    expect((await owners()).map(([p]) => p)).toEqual([
      "dashops-control-00",
      "dashops-control-01",
      "dashops-control-02",
      "dashops-control-03",
    ]);
    for (const w of [a!, b!]) {
      const listed = await page.locator(`tr[data-worker="${w}"] td`).nth(1).textContent();
      expect(listed).toMatch(/dashops-control-0\d/);
    }
    await page.close();
  }, 90_000);

  it("replays a poison message from the hub view, and the instance it was for acts on it", async () => {
    const id = "poisoned-wait-1";
    await host.client.scheduleNewOrchestration("WaitFor", "Po", { instanceId: id });
    await waitForCustomStatus(id, "waiting for go");
    // The "go" event for it, as a worker would have quarantined it: its message body, on its control queue.
    const names = host.service.names;
    const queueName = names.controlQueues[partitionIndex(id, names.controlQueues.length)]!;
    const body = messageDataToJson(
      newMessageData({
        event: newEvent("EventRaised", { name: "go", input: JSON.stringify("replayed") }),
        orchestrationInstance: { instanceId: id },
      }),
    );
    const messageId = "poison-message-1";
    await host.service.poison.add(
      {
        queueName,
        messageId,
        body,
        reason: "quarantined by the test after 5 deliveries",
        dequeueCount: 5,
        insertedOn: new Date(),
        instanceId: id,
        eventType: "EventRaised",
      },
      new Date(),
    );

    const page = await open("#/hub");
    const row = page.locator("tr", { hasText: messageId });
    await row.waitFor();
    expect(await row.getByRole("link", { name: id }).count()).toBe(1);
    expect(await row.textContent()).toContain("EventRaised");
    await page.getByRole("heading", { name: "Poison messages" }).scrollIntoViewIfNeeded();
    await screenshot(page, "hub");
    await row.getByRole("button", { name: `Replay message ${messageId}` }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.textContent()).toContain(queueName);
    await dialog.getByRole("button", { name: "Replay" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Message ${messageId} sent back to ${queueName}.` })
      .waitFor();
    await page.getByText("None.").waitFor();
    expect(await host.service.listPoisonMessages()).toEqual([]);
    // The replayed event reaches the instance, which was waiting for it.
    const done = await host.client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
    expect(done?.runtimeStatus).toBe("Completed");
    expect(JSON.parse(done?.serializedOutput ?? "null")).toEqual({ got: "replayed" });
    await page.close();
  }, 90_000);

  // Last: it adds 200 instances (under their own prefix, so the cases above never see them).
  it("terminates 200 matching instances from the list: dry-run count, typed confirmation, progress to 200", async () => {
    const c = host.client;
    const ids = Array.from({ length: BULK_TARGETS }, (_, i) => `${BULK_PREFIX}${String(i).padStart(3, "0")}`);
    for (let i = 0; i < ids.length; i += 50)
      await Promise.all(
        ids.slice(i, i + 50).map((id) => c.scheduleNewOrchestration("Idle", null, { instanceId: id })),
      );
    // Not waited for: terminate takes Pending instances as well as Running ones.

    const page = await open(`#/instances?instanceIdPrefix=${BULK_PREFIX}`);
    await expect.poll(() => page.locator(".count-total strong").textContent()).toBe(String(BULK_TARGETS));

    // With the keyboard: the button, Enter; the dialog takes the focus; Enter in a field counts.
    await page.getByRole("button", { name: "Act on all matching…" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.closest("dialog") !== null)).toBe(true);
    expect(await dialog.locator("[data-bulk-filter]").textContent()).toBe(`id starting with ${BULK_PREFIX}`);
    expect(await dialog.getByLabel("Action").inputValue()).toBe("terminate");
    await dialog.getByLabel(/^Reason/).fill("bulk test");
    await dialog.getByLabel(/^Reason/).press("Enter");
    await expect
      .poll(() => dialog.locator("[data-bulk-matched]").textContent())
      .toMatch(new RegExp(`^${BULK_TARGETS} instances match \\(`));
    const start = dialog.getByRole("button", { name: `Terminate ${BULK_TARGETS} instances` });
    // More than 100 to terminate: the count must be typed first; the focus is already there.
    expect(await start.isDisabled()).toBe(true);
    const typed = dialog.getByLabel(`Type ${BULK_TARGETS} to confirm`);
    await expect.poll(() => typed.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type(String(BULK_TARGETS).slice(0, -1));
    expect(await start.isDisabled()).toBe(true);
    await page.keyboard.type(String(BULK_TARGETS).slice(-1));
    expect(await start.isDisabled()).toBe(false);
    await screenshot(page, "bulk-confirm");
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "detached" });

    // The progress panel follows the bulk instance until it completes.
    const panel = page.locator(".bulk-progress[data-bulk-id]");
    await panel.waitFor();
    await expect
      .poll(() => panel.locator("[data-phase]").getAttribute("data-phase"), {
        timeout: 120_000,
        interval: 500,
      })
      .toBe("completed");
    expect(await panel.locator('[data-bulk="done"]').textContent()).toBe(String(BULK_TARGETS));
    expect(await panel.locator('[data-bulk="failed"]').textContent()).toBe("0");
    expect(await panel.locator('[data-bulk="matched"]').textContent()).toBe(String(BULK_TARGETS));
    expect(await panel.locator('[data-bulk="handled"]').textContent()).toBe(
      `${BULK_TARGETS} of ${BULK_TARGETS}`,
    );
    expect(await panel.locator("progress").evaluate((p: HTMLProgressElement) => [p.value, p.max])).toEqual([
      BULK_TARGETS,
      BULK_TARGETS,
    ]);
    await screenshot(page, "bulk");

    // The bulk instance, on the host: a completed taskhub:bulk with the same progress, the reason passed on.
    const bulkId = await panel.getAttribute("data-bulk-id");
    const bulk = await c.getBulkOperation(bulkId!);
    expect(bulk).toMatchObject({ runtimeStatus: "Completed", phase: "completed", matched: 200, done: 200 });
    // Every target ends Terminated (the operation sent the terminations; the workers apply them).
    await expect
      .poll(
        async () => (await c.countInstancesByStatus({ instanceIdPrefix: BULK_PREFIX })).byStatus.Terminated,
        {
          timeout: 60_000,
          interval: 500,
        },
      )
      .toBe(BULK_TARGETS);
    expect((await c.getOrchestrationState(ids[0]!, { fetchPayloads: true }))?.serializedOutput).toBe(
      JSON.stringify("bulk test"),
    );
    // The list follows (Refresh reads the counts at once).
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect
      .poll(() => page.getByRole("button", { name: new RegExp(`^Terminated ${BULK_TARGETS}$`) }).count())
      .toBe(1);
    // The bulk instance's own page shows its progress too.
    await page.locator(".bulk-progress h2 a").click();
    await page.getByRole("heading", { name: "Bulk operation" }).waitFor();
    expect(await page.locator('.bulk-progress [data-bulk="done"]').textContent()).toBe(String(BULK_TARGETS));
    await page.close();
  }, 240_000);
});
