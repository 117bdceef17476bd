// What an instance filter means (matchesInstanceFilter, the definition every backend follows) and which filters
// are refused (validateInstanceFilter).
import { describe, expect, it } from "vitest";
import {
  customStatusMatches,
  matchesInstanceFilter,
  parseRuntimeStatus,
  validateInstanceFilter,
  type InstanceFilter,
  type InstanceRecord,
} from "../../src/index.js";

const r: InstanceRecord = {
  instanceId: "order-17",
  executionId: "e",
  name: "ProcessOrder",
  runtimeStatus: "Running",
  createdAt: new Date("2024-05-01T10:00:00Z"),
  lastUpdatedAt: new Date("2024-05-01T11:00:00Z"),
  serializedCustomStatus: '{"step":"Awaiting Payment"}',
  generation: 0,
};

describe("matchesInstanceFilter", () => {
  it("takes an instance only when every condition holds; time ranges include both ends", () => {
    const yes: InstanceFilter[] = [
      {},
      { names: ["Other", "ProcessOrder"] },
      { statuses: ["Pending", "Running"] },
      { instanceIdPrefix: "order-1" },
      { customStatusContains: "awaiting payment" },
      { customStatusContains: '"step":' },
      { createdFrom: r.createdAt, createdTo: r.createdAt },
      { lastUpdatedFrom: r.lastUpdatedAt, lastUpdatedTo: r.lastUpdatedAt },
      { excludeEntities: true },
    ];
    const no: InstanceFilter[] = [
      { names: ["processorder"] },
      { statuses: ["Completed"] },
      { instanceIdPrefix: "order-2" },
      { customStatusContains: "shipped" },
      { createdFrom: new Date(r.createdAt.getTime() + 1) },
      { lastUpdatedTo: new Date(r.lastUpdatedAt.getTime() - 1) },
      { names: ["ProcessOrder"], statuses: ["Failed"] },
    ];
    for (const f of yes) expect(matchesInstanceFilter(r, f), JSON.stringify(f)).toBe(true);
    for (const f of no) expect(matchesInstanceFilter(r, f), JSON.stringify(f)).toBe(false);
    expect(matchesInstanceFilter({ ...r, instanceId: "@counter@x" }, { excludeEntities: true })).toBe(false);
  });

  it("an instance without a custom status never matches customStatusContains", () => {
    expect(customStatusMatches(undefined, "n")).toBe(false);
    expect(customStatusMatches("null", "null")).toBe(false);
    expect(customStatusMatches('"Nullable"', "null")).toBe(true);
  });
});

describe("validateInstanceFilter", () => {
  it("refuses unknown statuses, invalid times, empty names and texts; parses statuses in any case", () => {
    expect(parseRuntimeStatus(" running ")).toBe("Running");
    expect(parseRuntimeStatus("continuedasnew")).toBe("ContinuedAsNew");
    expect(parseRuntimeStatus("Done")).toBeUndefined();
    expect(() => validateInstanceFilter({ statuses: ["Done" as never] })).toThrow(
      /unknown runtime status "Done"/,
    );
    expect(() => validateInstanceFilter({ createdTo: new Date("x") })).toThrow(
      /createdTo must be a valid Date/,
    );
    expect(() => validateInstanceFilter({ names: [""] })).toThrow(/names must be/);
    expect(() => validateInstanceFilter({ customStatusContains: "" })).toThrow(/non-empty/);
    expect(() =>
      validateInstanceFilter({
        createdFrom: new Date(1),
        createdTo: new Date(1),
        names: ["a"],
        statuses: [],
      }),
    ).not.toThrow();
    // A reversed range is no mistake of form: it matches nothing (as in Durable Functions).
    const reversed = { lastUpdatedFrom: new Date(2), lastUpdatedTo: new Date(1) };
    expect(() => validateInstanceFilter(reversed)).not.toThrow();
    expect(matchesInstanceFilter({ ...r, lastUpdatedAt: new Date(1) }, reversed)).toBe(false);
  });
});
