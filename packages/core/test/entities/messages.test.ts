// Entity request messages' trace members, in DTF's JSON (`RequestMessage.ParentTraceContext`, `CreateTrace`,
// `RequestTime`).
import { describe, expect, it } from "vitest";
import {
  formatRequestTime,
  parseRequest,
  parseRequestTime,
  serializeRequest,
  type EntityRequestMessage,
} from "../../src/entities/messages.js";
import { dateTimeToTicks } from "../../src/history/time.js";

const base: EntityRequestMessage = { op: "add", id: "r1", timestamp: 0n, predecessor: 0n };
const traceParent = "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01";

describe("entity request parentTraceContext", () => {
  it("is written as DTF writes it, after IsLockRequest, and read back", () => {
    const json = serializeRequest({ ...base, parentTraceContext: { traceParent, traceState: "a=b" } });
    const o = JSON.parse(json) as Record<string, unknown>;
    expect(o.parentTraceContext).toEqual({ TraceParent: traceParent, TraceState: "a=b" });
    const keys = Object.keys(o);
    expect(keys.indexOf("parentTraceContext")).toBe(keys.indexOf("IsLockRequest") + 1);
    expect(parseRequest(json).parentTraceContext).toEqual({ traceParent, traceState: "a=b" });
  });

  it("is left out when there is none, and a malformed one reads as none", () => {
    expect(JSON.parse(serializeRequest(base))).not.toHaveProperty("parentTraceContext");
    for (const bad of [null, 7, [traceParent], { TraceParent: 7 }])
      expect(
        parseRequest({ ...JSON.parse(serializeRequest(base)), parentTraceContext: bad }).parentTraceContext,
      ).toBeUndefined();
    // DTF's own JSON (Newtonsoft: every member, nulls included) reads too.
    const dtf = {
      ...JSON.parse(serializeRequest(base)),
      parentTraceContext: {
        TraceParent: traceParent,
        TraceState: null,
        Id: null,
        SpanId: null,
        ActivityStartTime: null,
      },
    };
    expect(parseRequest(dtf).parentTraceContext).toEqual({ traceParent });
  });
});

describe("entity request createTrace and requestTime", () => {
  it("formats requestTime as Newtonsoft writes a DateTimeOffset (no trailing zeros, +00:00)", () => {
    const at = dateTimeToTicks("2026-12-06T21:00:00Z");
    expect(formatRequestTime(at + 1_234_567n)).toBe("2026-12-06T21:00:00.1234567+00:00");
    expect(formatRequestTime(at + 5_000_000n)).toBe("2026-12-06T21:00:00.5+00:00");
    expect(formatRequestTime(new Date("2026-12-06T21:00:00Z"))).toBe("2026-12-06T21:00:00+00:00");
  });

  it("reads requestTime in DTF's form, with Z, and any number of digits; garbage reads as none", () => {
    expect(parseRequestTime("2026-12-06T21:00:00.1234567+00:00")).toEqual(
      new Date("2026-12-06T21:00:00.123Z"),
    );
    expect(parseRequestTime("2026-12-06T21:00:00.5Z")).toEqual(new Date("2026-12-06T21:00:00.500Z"));
    expect(parseRequestTime("2026-12-06T23:00:00+02:00")).toEqual(new Date("2026-12-06T21:00:00Z"));
    for (const bad of [undefined, "", "yesterday", "2026-13-45Tnope"])
      expect(parseRequestTime(bad)).toBeUndefined();
  });

  it("writes createTrace always and requestTime after it, as DTF's member order, and reads both back", () => {
    const requestTime = "2026-12-06T21:00:00.1234567+00:00";
    const json = serializeRequest({
      ...base,
      signal: true,
      parentTraceContext: { traceParent },
      createTrace: true,
      requestTime,
    });
    expect(json).toBe(
      '{"op":"add","signal":true,"id":"r1","Timestamp":"0001-01-01T00:00:00","Predecessor":"0001-01-01T00:00:00",' +
        `"IsLockRequest":false,"parentTraceContext":{"TraceParent":"${traceParent}","TraceState":null},` +
        `"createTrace":true,"requestTime":"${requestTime}"}`,
    );
    const back = parseRequest(json);
    expect(back.createTrace).toBe(true);
    expect(back.requestTime).toBe(requestTime);
  });
});
