import { describe, expect, it } from "vitest";
import { compareRoutePrecedence, compileRouteTemplate } from "../../src/functions-http/route-template.js";

describe("compileRouteTemplate", () => {
  it("serves literal routes under the prefix, case-insensitively, with or without a trailing slash", () => {
    const r = compileRouteTemplate("/orders/list/");
    expect(r.template).toBe("orders/list");
    expect(r.match("/api/orders/list")).toEqual({});
    expect(r.match("/API/Orders/LIST/")).toEqual({});
    expect(r.match("/orders/list")).toBeUndefined();
    expect(r.match("/api/orders/list/more")).toBeUndefined();
  });

  it("takes another route prefix, or none", () => {
    expect(compileRouteTemplate("x", "v1/fn").match("/v1/fn/x")).toEqual({});
    expect(compileRouteTemplate("x", "").match("/x")).toEqual({});
    expect(compileRouteTemplate("x", "").match("/api/x")).toBeUndefined();
  });

  it("parameters, optional parameters and defaults; values are URL-decoded", () => {
    const r = compileRouteTemplate("orchestrators/{functionName}/{instanceId?}");
    expect(r.match("/api/orchestrators/Hello/abc%20d")).toEqual({
      functionName: "Hello",
      instanceId: "abc d",
    });
    expect(r.match("/api/orchestrators/Hello")).toEqual({ functionName: "Hello" });
    expect(r.match("/api/orchestrators")).toBeUndefined();
    const d = compileRouteTemplate("page/{n:int=1}");
    expect(d.match("/api/page")).toEqual({ n: "1" });
    expect(d.match("/api/page/7")).toEqual({ n: "7" });
    expect(d.match("/api/page/x")).toBeUndefined();
  });

  it("checks the constraints Functions has", () => {
    const m = (t: string, v: string) => compileRouteTemplate(`a/{v:${t}}`).match(`/api/a/${v}`) !== undefined;
    expect([m("int", "42"), m("int", "-3"), m("int", "4.2"), m("int", "2147483648")]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect([m("long", "2147483648"), m("long", "9223372036854775808")]).toEqual([true, false]);
    expect([m("bool", "True"), m("bool", "yes")]).toEqual([true, false]);
    expect([m("double", "1.5e3"), m("float", "abc")]).toEqual([true, false]);
    expect([m("guid", "6f9619ff-8b86-d011-b42d-00cf4fc964ff"), m("guid", "6f9619ff")]).toEqual([true, false]);
    expect([m("alpha", "abc"), m("alpha", "ab1")]).toEqual([true, false]);
    expect([m("minlength(3)", "ab"), m("maxlength(3)", "abcd"), m("length(2,3)", "abc")]).toEqual([
      false,
      false,
      true,
    ]);
    expect([m("min(10)", "9"), m("max(10)", "10"), m("range(1,5)", "6")]).toEqual([false, true, false]);
    expect([m("datetime", "2024-01-02"), m("datetime", "nope")]).toEqual([true, false]);
    expect([m("regex(^\\d{{3}}$)", "123"), m("regex(^\\d{{3}}$)", "1234")]).toEqual([true, false]);
    expect(compileRouteTemplate("a/{v:int:min(5)}").match("/api/a/3")).toBeUndefined();
    expect(compileRouteTemplate("a/{v:int?}").match("/api/a")).toEqual({});
  });

  it("catch-all parameters and parameters inside a segment", () => {
    const c = compileRouteTemplate("files/{*path}");
    expect(c.match("/api/files/a/b/c.txt")).toEqual({ path: "a/b/c.txt" });
    expect(c.match("/api/files")).toEqual({});
    const s = compileRouteTemplate("files/{name}.{ext}");
    expect(s.match("/api/files/report.pdf")).toEqual({ name: "report", ext: "pdf" });
    expect(s.match("/api/files/report")).toBeUndefined();
  });

  it("refuses what it cannot parse, saying what", () => {
    expect(() => compileRouteTemplate("a/{id:number}")).toThrow(/unknown route constraint 'number'/);
    expect(() => compileRouteTemplate("a/{id")).toThrow(/unclosed '\{'/);
    expect(() => compileRouteTemplate("a/id}")).toThrow(/unmatched '\}'/);
    expect(() => compileRouteTemplate("{*rest}/a")).toThrow(/must be the last segment/);
    expect(() => compileRouteTemplate("a/{a-b}")).toThrow(/not a valid route parameter/);
    expect(() => compileRouteTemplate("a//b")).toThrow(/empty segment/);
  });

  it("orders routes most specific first: literal, constrained, parameter, optional, catch-all", () => {
    const routes = ["items/{*rest}", "items/{id?}", "items/{id}", "items/{id:int}", "items/new"].map((t) =>
      compileRouteTemplate(t),
    );
    expect(routes.sort(compareRoutePrecedence).map((r) => r.template)).toEqual([
      "items/new",
      "items/{id:int}",
      "items/{id}",
      "items/{id?}",
      "items/{*rest}",
    ]);
  });

  it("matches the classic model's templates under the prefix, case-insensitively, with decoded parameters", () => {
    const r = compileRouteTemplate("orchestrators/{functionName}/{instanceId?}", "api");
    expect(r.match("/api/orchestrators/Hello")).toEqual({ functionName: "Hello" });
    expect(r.match("/API/Orchestrators/Hello/a%20b")).toEqual({ functionName: "Hello", instanceId: "a b" });
    expect(r.match("/orchestrators/Hello")).toBeUndefined();
    expect(compileRouteTemplate("items/{id:int}", "api").match("/api/items/x")).toBeUndefined();
    expect(compileRouteTemplate("items/{id:int}", "api").match("/api/items/42")).toEqual({ id: "42" });
    expect(compileRouteTemplate("n/{name:alpha}", "api").match("/api/n/abc1")).toBeUndefined();
    expect(compileRouteTemplate("files/{*path}", "").match("/files/a/b/c")).toEqual({ path: "a/b/c" });
  });
});
