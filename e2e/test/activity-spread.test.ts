// Activities spread over real worker processes with local dispatch on (issue 21): the owner of a fan-out
// keeps only what it can start now, and workers whose polling back-off would not look at the shared
// work-item queue for minutes take the rest.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { partitionIndex } from "@taskhub/azure-storage";
import { waitFor } from "./workers.js";
import { test, tmp } from "./worker-hub.js";

/** Ten minutes: after its first empty poll, a queue polled only by the back-off is not polled during the test. */
const NEVER_MS = "600000";

test("a fan-out its owner cannot start at once runs on every worker, also on workers whose back-off would wait minutes", async ({
  hub,
}) => {
  const partitions = 4;
  const h = hub({
    prefix: "spread",
    partitions,
    env: { TASKHUB_MAX_ACTIVITIES: "2" },
    maxPollIntervalMs: 500,
  });
  const meetFile = join(tmp, `${h.hub}.meet`);
  // The owner polls briskly; the two others poll each queue once when they start, then (by their back-off)
  // not for ten minutes.
  const slow = { TASKHUB_MIN_POLLING_MS: NEVER_MS, TASKHUB_MAX_POLLING_MS: NEVER_MS };
  const owner = await h.start("owner");
  const others = await Promise.all([h.start("b", slow), h.start("c", slow)]);
  const workers = [owner, ...others];
  await waitFor(
    () =>
      workers.every((w) => w.owned().size > 0) &&
      workers.reduce((a, w) => a + w.owned().size, 0) === partitions,
    120_000,
    () => `no split: ${workers.map((w) => `${w.id}=[${[...w.owned()]}]`).join(" ")}`,
  );

  // An instance on one of the owner's partitions (the others would not see its start message for minutes).
  let i = 0;
  while (!owner.owned().has(partitionIndex(`spread-${i}`, partitions))) i++;
  const instanceId = `spread-${i}`;
  const client = h.client;
  // 12 activities, 2 slots per worker; each waits until all three workers have run one (or two minutes), so
  // the owner's two slots stay full until both others have taken some from the shared queue.
  const n = 12;
  await client.scheduleNewOrchestration(
    "MeetFanOut",
    { n, file: meetFile, workers: workers.length, timeoutMs: 120_000 },
    { instanceId },
  );
  const seen = (): Set<string> =>
    new Set(existsSync(meetFile) ? readFileSync(meetFile, "utf8").split("\n").filter(Boolean) : []);
  await waitFor(
    () => seen().size === workers.length,
    60_000,
    () => `activities ran only on ${[...seen()].join(", ") || "no worker"}`,
  );
  const s = await client.waitForOrchestrationCompletion(instanceId, { timeoutMs: 90_000 });
  expect(s.runtimeStatus).toBe("Completed");
  const ranOn = s.output as string[];
  expect(ranOn).toHaveLength(n);
  const split = workers.map((w) => ranOn.filter((id) => id === w.id).length);
  console.log(`fan-out of ${n} over 3 workers with 2 slots each: split ${split.join("/")} (owner first)`);
  for (const count of split) expect(count).toBeGreaterThan(0);
});
