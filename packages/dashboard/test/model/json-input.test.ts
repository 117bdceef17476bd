import { describe, expect, it } from "vitest";
import { checkJsonInput } from "../../src/model/json-input.js";

describe("checkJsonInput", () => {
  it("takes valid JSON as the body, and empty as no input", () => {
    expect(checkJsonInput('{"a": 1}')).toEqual({ ok: true, body: '{"a": 1}' });
    expect(checkJsonInput('"text"')).toEqual({ ok: true, body: '"text"' });
    expect(checkJsonInput("  ")).toEqual({ ok: true, body: "" });
  });

  it("refuses text that is not JSON, saying why", () => {
    const r = checkJsonInput("{a: 1}");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/^Not valid JSON: .*quotes/);
  });
});
