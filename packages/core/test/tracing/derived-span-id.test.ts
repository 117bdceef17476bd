import { describe, expect, it } from "vitest";
import { deriveSpanId, deriveTraceId } from "../../src/tracing/derived-span-id.js";

describe("deriveSpanId", () => {
  it("is 16 hex digits, the same for the same parts and different for different ones", () => {
    const a = deriveSpanId("activity", "b7ad6b7169203331", 3, 0);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(deriveSpanId("activity", "b7ad6b7169203331", 3, 0)).toBe(a);
    expect(deriveSpanId("activity", "b7ad6b7169203331", 4, 0)).not.toBe(a);
    expect(deriveSpanId("activity", "b7ad6b7169203331", 3, 1)).not.toBe(a);
    expect(deriveSpanId("orchestration", "b7ad6b7169203331", 3, 0)).not.toBe(a);
    // Delimited parts: moving a character from one part to the next changes the id.
    expect(deriveSpanId("ab", "c")).not.toBe(deriveSpanId("a", "bc"));
  });
});

describe("deriveTraceId", () => {
  it("is 32 hex digits, the same for the same parts and different for different ones", () => {
    const t = deriveTraceId("i", "e2");
    expect(t).toMatch(/^[0-9a-f]{32}$/);
    expect(deriveTraceId("i", "e2")).toBe(t);
    expect(deriveTraceId("i", "e3")).not.toBe(t);
    expect(t.slice(0, 16)).not.toBe(deriveSpanId("i", "e2"));
  });
});
