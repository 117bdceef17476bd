import { describe, expect, it } from "vitest";
import { fnv1a32, partitionIndex } from "../../src/partitioning/fnv1a.js";
import { escapePartitionKey, unescapePartitionKey } from "../../src/tracking/key-sanitation.js";
import { taskHubNames, validateTaskHubName } from "../../src/naming.js";

describe("FNV-1a partitioning (worked examples computed as DT.AS does)", () => {
  it.each([
    ["abc", 440920331, 3, 11],
    ["myinstance", 3228197520, 0, 0],
    ["order-1", 729795949, 1, 13],
    ["Order-1", 1546168589, 1, 13],
    ["@counter@key1", 2587998225, 1, 1],
    ["", 2166136261, 1, 5],
  ])("%j hashes to %i", (id, hash, mod4, mod16) => {
    expect(fnv1a32(id)).toBe(hash);
    expect(partitionIndex(id, 4)).toBe(mod4);
    expect(partitionIndex(id, 16)).toBe(mod16);
  });
  it("matches the standard FNV-1a vectors", () => {
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });
  it("encodes lone surrogates as U+FFFD like .NET", () => {
    expect(fnv1a32("\ud800")).toBe(fnv1a32("\ufffd"));
  });
});

describe("key sanitation (DT.AS's key escaping)", () => {
  it.each([
    ["plain-Id_1", "plain-Id_1"],
    ["a^b", "a^^b"],
    ["a/b\\c#d?e", "a^0b^1c^2d^3e"],
    ["line\nfeed", "line^\u00cafeed"],
    ["\u0000\u007f\u009f", "^\u00c0^\u013f^\u015f"],
  ])("escapes %j", (raw, escaped) => {
    expect(escapePartitionKey(raw)).toBe(escaped);
    expect(unescapePartitionKey(escaped)).toBe(raw);
  });
});

describe("task hub names (DT.AS's naming rules)", () => {
  it("derives every resource name", () => {
    const n = taskHubNames("MyHub", 4);
    expect(n.controlQueues).toEqual([
      "myhub-control-00",
      "myhub-control-01",
      "myhub-control-02",
      "myhub-control-03",
    ]);
    expect(n.workItemQueue).toBe("myhub-workitems");
    expect(n.historyTable).toBe("MyHubHistory");
    expect(n.instancesTable).toBe("MyHubInstances");
    expect(n.partitionsTable).toBe("MyHubPartitions");
    expect(n.largeMessagesContainer).toBe("myhub-largemessages");
    expect(n.leasesContainer).toBe("myhub-leases");
    expect(n.appLeaseContainer).toBe("myhub-applease");
    expect(n.appLeaseInfoBlob).toBe("myhub-appleaseinfo");
    expect(taskHubNames("H12", 16).controlQueues[15]).toBe("h12-control-15");
  });
  it.each(["ab", "1hub", "my-hub", "a".repeat(46), "", "hub_1"])("rejects %j", (name) => {
    expect(() => validateTaskHubName(name)).toThrow(/invalid task hub name/);
  });
  it("rejects partition counts outside 1-16", () => {
    expect(() => taskHubNames("MyHub", 0)).toThrow(/partition count/);
    expect(() => taskHubNames("MyHub", 17)).toThrow(/partition count/);
  });
});
