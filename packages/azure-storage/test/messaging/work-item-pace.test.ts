import { describe, expect, it } from "vitest";
import { workItemPollCapMs } from "../../src/messaging/work-item-pace.js";
import { resolveSettings } from "../../src/settings.js";

const s = resolveSettings({
  taskHubName: "hub",
  storage: { connectionString: "UseDevelopmentStorage=true" },
});

describe("workItemPollCapMs", () => {
  it("a worker polling every partition keeps the back-off alone (its own sends wake it)", () => {
    expect(workItemPollCapMs(s, { sinceWorkMs: 0, pollsEveryPartition: true })).toBeUndefined();
    expect(workItemPollCapMs(s, { sinceWorkMs: Infinity, pollsEveryPartition: true })).toBeUndefined();
  });

  it("beside other workers: the busy interval after recent work, the idle interval after none", () => {
    expect(s.busyWorkItemPollingIntervalMs).toBe(1000);
    expect(s.idleWorkItemPollingIntervalMs).toBe(2000);
    expect(s.workItemPollingLingerMs).toBe(60_000);
    expect(workItemPollCapMs(s, { sinceWorkMs: 0, pollsEveryPartition: false })).toBe(1000);
    expect(workItemPollCapMs(s, { sinceWorkMs: 59_999, pollsEveryPartition: false })).toBe(1000);
    expect(workItemPollCapMs(s, { sinceWorkMs: 60_000, pollsEveryPartition: false })).toBe(2000);
    // Never did any work.
    expect(workItemPollCapMs(s, { sinceWorkMs: Infinity, pollsEveryPartition: false })).toBe(2000);
  });

  it("0 turns a tier off", () => {
    const off = { ...s, busyWorkItemPollingIntervalMs: 0, idleWorkItemPollingIntervalMs: 0 };
    expect(workItemPollCapMs(off, { sinceWorkMs: 0, pollsEveryPartition: false })).toBeUndefined();
    expect(workItemPollCapMs(off, { sinceWorkMs: Infinity, pollsEveryPartition: false })).toBeUndefined();
    const busyOnly = { ...s, idleWorkItemPollingIntervalMs: 0 };
    expect(workItemPollCapMs(busyOnly, { sinceWorkMs: 0, pollsEveryPartition: false })).toBe(1000);
    expect(
      workItemPollCapMs(busyOnly, { sinceWorkMs: Infinity, pollsEveryPartition: false }),
    ).toBeUndefined();
  });
});
