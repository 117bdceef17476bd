import { describe, expect, it } from "vitest";
import {
  COUNTS_REFRESH_MS,
  MAX_POLL_DELAY_MS,
  nextPollDelay,
  pageSignature,
  shouldReadCounts,
} from "../../src/model/refresh-plan.js";

describe("nextPollDelay", () => {
  it("waits the view's interval after a quick answer, three times the answer's time after a slow one", () => {
    expect(nextPollDelay(5000, 40)).toBe(5000);
    expect(nextPollDelay(5000, 2700)).toBe(8100);
    expect(nextPollDelay(5000, 0)).toBe(5000);
    expect(nextPollDelay(5000, NaN)).toBe(5000);
  });

  it("never waits longer than a minute", () => {
    expect(nextPollDelay(5000, 3_600_000)).toBe(MAX_POLL_DELAY_MS);
  });
});

describe("pageSignature", () => {
  const row = (instanceId: string, runtimeStatus = "Running", lastUpdatedTime = "2026-12-07T00:00:00Z") => ({
    instanceId,
    runtimeStatus,
    lastUpdatedTime,
  });
  it("changes when a row comes or goes, or changes status or time; not otherwise", () => {
    const base = pageSignature([row("a"), row("b")]);
    expect(pageSignature([row("a"), row("b")])).toBe(base);
    expect(pageSignature([row("a")])).not.toBe(base);
    expect(pageSignature([row("a"), row("b"), row("c")])).not.toBe(base);
    expect(pageSignature([row("a"), row("b", "Completed")])).not.toBe(base);
    expect(pageSignature([row("a"), row("b", "Running", "2026-12-07T00:00:01Z")])).not.toBe(base);
  });
});

describe("shouldReadCounts", () => {
  const at = 1_000_000;
  const poll = { reason: "poll" as const, countsReadAt: at, previousSignature: "s", signature: "s" };
  it("on a poll with an unchanged first page: only once the counts are 30 s old", () => {
    expect(shouldReadCounts({ ...poll, now: at + 5000 })).toBe(false);
    expect(shouldReadCounts({ ...poll, now: at + COUNTS_REFRESH_MS - 1 })).toBe(false);
    expect(shouldReadCounts({ ...poll, now: at + COUNTS_REFRESH_MS })).toBe(true);
  });

  it("at once when the first page changed, on a new filter, on Refresh, and when never read", () => {
    expect(shouldReadCounts({ ...poll, now: at + 5000, signature: "t" })).toBe(true);
    expect(shouldReadCounts({ ...poll, now: at + 5000, reason: "load" })).toBe(true);
    expect(shouldReadCounts({ ...poll, now: at + 5000, reason: "manual" })).toBe(true);
    expect(shouldReadCounts({ ...poll, now: at + 5000, countsReadAt: undefined })).toBe(true);
  });

  it("reads the counts 1 time in 6 polls of a quiet list (every 5 s), instead of every time", () => {
    let countsReadAt: number | undefined;
    let reads = 0;
    for (let now = 0; now < 60_000; now += 5000)
      if (shouldReadCounts({ reason: "poll", now, countsReadAt, previousSignature: "s", signature: "s" })) {
        reads++;
        countsReadAt = now;
      }
    expect(reads).toBe(2); // at 0 s and 30 s of 12 polls
  });
});
