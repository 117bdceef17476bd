import { describe, expect, it } from "vitest";
import { compileRouteTemplate } from "../../src/app/route-template.js";

describe("compileRouteTemplate", () => {
  it("matches Functions' templates under the prefix, case-insensitively, with decoded parameters", () => {
    const r = compileRouteTemplate("api", "orchestrators/{functionName}/{instanceId?}");
    expect(r.match("/api/orchestrators/Hello")).toEqual({ functionName: "Hello" });
    expect(r.match("/API/Orchestrators/Hello/a%20b")).toEqual({ functionName: "Hello", instanceId: "a b" });
    expect(r.match("/orchestrators/Hello")).toBeUndefined();
  });

  it("checks int and alpha constraints, takes a catch-all, and an empty prefix", () => {
    expect(compileRouteTemplate("api", "items/{id:int}").match("/api/items/x")).toBeUndefined();
    expect(compileRouteTemplate("api", "items/{id:int}").match("/api/items/42")).toEqual({ id: "42" });
    expect(compileRouteTemplate("api", "n/{name:alpha}").match("/api/n/abc1")).toBeUndefined();
    expect(compileRouteTemplate("", "files/{*path}").match("/files/a/b/c")).toEqual({ path: "a/b/c" });
  });
});
