import { describe, expect, it } from "vitest";
import { parseRoute, routeHref } from "../../src/model/route.js";
import { emptyListQuery } from "../../src/model/instance-filter.js";

describe("routes", () => {
  it("round-trips an instance id with reserved characters and the history tab", () => {
    const r = { view: "instance" as const, id: "order 1:sub/2?x", tab: "json" as const };
    expect(routeHref(r)).toBe("#/instances/order%201%3Asub%2F2%3Fx?tab=json");
    expect(parseRoute(routeHref(r))).toEqual(r);
    expect(parseRoute("#/instances/abc")).toEqual({ view: "instance", id: "abc", tab: "timeline" });
  });

  it("keeps the list's filters in the fragment", () => {
    const r = parseRoute("#/instances?runtimeStatus=Failed&name=A");
    expect(r).toEqual({
      view: "instances",
      query: { ...emptyListQuery(), runtimeStatus: ["Failed"], name: "A" },
    });
    expect(routeHref(r)).toBe("#/instances?runtimeStatus=Failed&name=A");
  });

  it("defaults to the instance list, and knows the hub and entities", () => {
    expect(parseRoute("")).toEqual({ view: "instances", query: emptyListQuery() });
    expect(parseRoute("#/hub")).toEqual({ view: "hub" });
    expect(parseRoute("#/entities?name=counter&key=a")).toEqual({
      view: "entities",
      name: "counter",
      key: "a",
    });
  });
});
