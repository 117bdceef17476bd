// Entity request messages' trace context, in DTF's JSON (`RequestMessage.ParentTraceContext`).
import { describe, expect, it } from "vitest";
import { parseRequest, serializeRequest, type EntityRequestMessage } from "../../src/entities/messages.js";

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
