import { describe, expect, it } from "vitest";
import { isAuthorized, parseAuthLevel } from "../../src/functions-http/auth-level.js";

const key = "key-0123456789abcdefXYZ";
const req = (query = "", headers: Record<string, string> = {}) =>
  new Request(`http://h/api/x${query}`, { headers });

describe("authLevel", () => {
  it("parses Functions' levels, anonymous by default; refuses others", () => {
    expect([parseAuthLevel(undefined), parseAuthLevel("Function"), parseAuthLevel("ADMIN")]).toEqual([
      "anonymous",
      "function",
      "admin",
    ]);
    expect(() => parseAuthLevel("system")).toThrow(
      /authLevel 'system' is not one of anonymous, function, admin/,
    );
  });

  it("function and admin need the host's key in code or x-functions-key; anonymous needs none", () => {
    for (const level of ["function", "admin"] as const) {
      expect(isAuthorized(level, req(), { key })).toBe(false);
      expect(isAuthorized(level, req("?code=nope"), { key })).toBe(false);
      expect(isAuthorized(level, req(`?code=${key}`), { key })).toBe(true);
      expect(isAuthorized(level, req("", { "x-functions-key": key }), { key })).toBe(true);
    }
    expect(isAuthorized("anonymous", req(), { key })).toBe(true);
  });

  it("with the key check disabled every level is open", () => {
    expect(isAuthorized("admin", req(), "disabled")).toBe(true);
  });
});
