// DTF's entity formats, byte for byte: ticks, request/response/release JSON, scheduler state, entity status.
import { describe, expect, it } from "vitest";
import {
  MessageSorter,
  SchedulerState,
  dateTimeToTicks,
  entityId,
  entityMessageDueTime,
  parseEntityInstanceId,
  parseRequest,
  parseResponse,
  scheduledRequestEventName,
  serializeEntityStatus,
  serializeRelease,
  serializeRequest,
  serializeResponse,
  ticksToDateTime,
  type EntityRequestMessage,
} from "../../src/index.js";

describe(".NET ticks", () => {
  it("keep all seven fractional digits both ways", () => {
    const t = dateTimeToTicks("2024-03-05T06:07:08.1234567Z");
    expect(t).toBe(638452156281234567n);
    expect(ticksToDateTime(t)).toBe("2024-03-05T06:07:08.1234567Z");
    expect(ticksToDateTime(t + 1n)).toBe("2024-03-05T06:07:08.1234568Z");
    expect(ticksToDateTime(t, "o")).toBe("2024-03-05T06:07:08.1234567Z");
  });
  it("write Newtonsoft's form: trailing zeros trimmed, MinValue without a zone", () => {
    expect(ticksToDateTime(dateTimeToTicks("2024-03-05T06:07:08.1200000Z"))).toBe("2024-03-05T06:07:08.12Z");
    expect(ticksToDateTime(dateTimeToTicks("2024-03-05T06:07:08Z"))).toBe("2024-03-05T06:07:08Z");
    expect(ticksToDateTime(dateTimeToTicks("2024-03-05T06:07:08Z"), "o")).toBe(
      "2024-03-05T06:07:08.0000000Z",
    );
    expect(ticksToDateTime(0n)).toBe("0001-01-01T00:00:00");
    expect(dateTimeToTicks("0001-01-01T00:00:00")).toBe(0n);
  });
  it("read offsets and Dates", () => {
    expect(dateTimeToTicks("2024-03-05T08:07:08.5+02:00")).toBe(dateTimeToTicks("2024-03-05T06:07:08.5Z"));
    expect(dateTimeToTicks(new Date("2024-03-05T06:07:08.123Z"))).toBe(
      dateTimeToTicks("2024-03-05T06:07:08.123Z"),
    );
  });
});

describe("entity ids", () => {
  it("lower-case the name and keep the key", () => {
    expect(entityId("Counter", "MyKey")).toEqual({ name: "counter", key: "MyKey" });
    expect(parseEntityInstanceId("@Counter@a@b")).toEqual({ name: "counter", key: "a@b" });
  });
  it("reject malformed ids", () => {
    expect(() => parseEntityInstanceId("counter@x")).toThrow(/not an entity instance id/);
    expect(() => entityId("", "k")).toThrow(/non-empty/);
    expect(entityId("c", "")).toEqual({ name: "c", key: "" });
    expect(() => entityId("c", "a#b")).toThrow(/not allowed/);
    expect(() => entityId("c", "x".repeat(300))).toThrow(/longer than 256/);
  });
});

describe("messages", () => {
  const call: EntityRequestMessage = {
    op: "add",
    input: "5",
    id: "0f8fad5b-d9cb-469f-a165-70867728950e",
    parent: "orch-1",
    parentExecution: "e1",
    timestamp: dateTimeToTicks("2024-01-02T03:04:05.1234567Z"),
    predecessor: 0n,
  };
  it("a call in DTF's member order with defaults omitted", () => {
    expect(serializeRequest(call)).toBe(
      '{"op":"add","input":"5","id":"0f8fad5b-d9cb-469f-a165-70867728950e","parent":"orch-1","parentExecution":"e1",' +
        '"Timestamp":"2024-01-02T03:04:05.1234567Z","Predecessor":"0001-01-01T00:00:00","IsLockRequest":false,"createTrace":false}',
    );
    expect(parseRequest(serializeRequest(call))).toEqual({
      ...call,
      signal: undefined,
      due: undefined,
      lockset: undefined,
      pos: undefined,
      createTrace: undefined,
      requestTime: undefined,
    });
  });
  it("a client signal and a lock request", () => {
    expect(serializeRequest({ op: "reset", signal: true, id: "i", timestamp: 0n, predecessor: 0n })).toBe(
      '{"op":"reset","signal":true,"id":"i","Timestamp":"0001-01-01T00:00:00","Predecessor":"0001-01-01T00:00:00","IsLockRequest":false,"createTrace":false}',
    );
    const lock = serializeRequest({
      id: "l",
      parent: "o",
      lockset: [
        { name: "a", key: "1" },
        { name: "b", key: "2" },
      ],
      pos: 1,
      timestamp: 0n,
      predecessor: 0n,
    });
    expect(lock).toBe(
      '{"op":null,"id":"l","parent":"o","Timestamp":"0001-01-01T00:00:00","Predecessor":"0001-01-01T00:00:00",' +
        '"lockset":[{"name":"a","key":"1"},{"name":"b","key":"2"}],"pos":1,"IsLockRequest":true,"createTrace":false}',
    );
    expect(parseRequest(lock).lockset).toEqual([
      { name: "a", key: "1" },
      { name: "b", key: "2" },
    ]);
  });
  it("reads member names case-insensitively and rejects what it cannot use", () => {
    expect(parseRequest('{"OP":"x","Id":"1","timestamp":"2024-01-01T00:00:00Z"}').op).toBe("x");
    expect(() => parseRequest("{")).toThrow(/not JSON/);
    expect(() => parseRequest('{"op":"x"}')).toThrow(/'id' is missing/);
    expect(() => parseRequest("[1]")).toThrow(/not a JSON object/);
  });
  it("responses and releases", () => {
    expect(serializeResponse({ result: "5" })).toBe('{"result":"5"}');
    expect(serializeResponse({})).toBe('{"result":null}');
    const failed = serializeResponse({
      result: "boom",
      exceptionType: "Error",
      failureDetails: { errorType: "Error", errorMessage: "boom" },
    });
    expect(JSON.parse(failed)).toEqual({
      result: "boom",
      exceptionType: "Error",
      failureDetails: {
        ErrorType: "Error",
        ErrorMessage: "boom",
        StackTrace: null,
        InnerFailure: null,
        IsNonRetriable: false,
        Properties: null,
      },
    });
    expect(parseResponse(failed).failureDetails?.errorMessage).toBe("boom");
    expect(serializeRelease({ parent: "o", id: "fix-orphaned-lock" })).toBe(
      '{"parent":"o","id":"fix-orphaned-lock"}',
    );
  });
  it("scheduled signals carry their time in the event name", () => {
    const name = scheduledRequestEventName(dateTimeToTicks("2024-01-02T03:04:05Z"));
    expect(name).toBe("op@2024-01-02T03:04:05.0000000Z");
    expect(
      entityMessageDueTime({
        event: { type: "EventRaised", name },
        orchestrationInstance: { instanceId: "@c@k" },
      })?.toISOString(),
    ).toBe("2024-01-02T03:04:05.000Z");
    expect(
      entityMessageDueTime({
        event: { type: "EventRaised", name },
        orchestrationInstance: { instanceId: "orch" },
      }),
    ).toBeUndefined();
    expect(
      entityMessageDueTime({
        event: { type: "EventRaised", name: "op" },
        orchestrationInstance: { instanceId: "@c@k" },
      }),
    ).toBeUndefined();
  });
});

describe("scheduler state and entity status", () => {
  it("DTF's JSON with defaults omitted", () => {
    const s = new SchedulerState();
    expect(s.serialize()).toBe('{"sorter":{}}');
    s.exists = true;
    s.state = "42";
    s.lockedBy = "orch-1";
    expect(s.serialize()).toBe('{"exists":true,"state":"42","lockedBy":"orch-1","sorter":{}}');
    const back = SchedulerState.parse(s.serialize());
    expect([back.exists, back.state, back.lockedBy, back.queue.length]).toEqual([true, "42", "orch-1", 0]);
    expect(SchedulerState.parse('{"state":"1"}').exists).toBe(true);
    expect(() => SchedulerState.parse("nope")).toThrow(/not JSON/);
  });
  it("entity status as custom status", () => {
    expect(serializeEntityStatus({ entityExists: true, queueSize: 0 })).toBe('{"entityExists":true}');
    expect(serializeEntityStatus({ entityExists: false, queueSize: 2, lockedBy: "o" })).toBe(
      '{"queueSize":2,"lockedBy":"o"}',
    );
    expect(serializeEntityStatus({ entityExists: false, queueSize: 0 })).toBe("{}");
  });
});

describe("message sorter", () => {
  const WINDOW = 30 * 60_000;
  const t0 = dateTimeToTicks("2024-01-02T03:04:05Z");
  function send(sender: MessageSorter, id: string, now: bigint): EntityRequestMessage {
    const m: EntityRequestMessage = {
      op: "add",
      id,
      parent: "orch",
      parentExecution: "e1",
      timestamp: 0n,
      predecessor: 0n,
    };
    sender.labelOutgoing(m, "@c@k", now, WINDOW);
    return m;
  }
  it("stamps strictly increasing timestamps per destination, even at the same time", () => {
    const s = new MessageSorter();
    const a = send(s, "a", t0);
    const b = send(s, "b", t0);
    expect(b.timestamp).toBe(a.timestamp + 1n);
    expect(b.predecessor).toBe(a.timestamp);
    expect(a.predecessor).toBe(0n);
  });
  it("delivers in order, buffers early arrivals, drops duplicates", () => {
    const sender = new MessageSorter();
    const [a, b, c] = [send(sender, "a", t0), send(sender, "b", t0 + 10n), send(sender, "c", t0 + 20n)];
    const r = new MessageSorter();
    expect(r.receiveInOrder(c!, WINDOW)).toEqual([]);
    expect(r.bufferedCount).toBe(1);
    expect(r.receiveInOrder(a!, WINDOW).map((m) => m.id)).toEqual(["a"]);
    expect(r.receiveInOrder(b!, WINDOW).map((m) => m.id)).toEqual(["b", "c"]);
    expect(r.receiveInOrder(b!, WINDOW)).toEqual([]);
    expect(r.receiveInOrder(a!, WINDOW)).toEqual([]);
    // The state survives a round trip through DTF's JSON.
    const back = MessageSorter.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));
    expect(back.receiveInOrder(c!, WINDOW)).toEqual([]);
    expect(JSON.stringify(r.toJSON())).toBe(
      `{"ReceivedFromInstance":{"orch":{"Last":"${ticksToDateTime(c!.timestamp)}","ExecutionId":"e1"}},"ReceiveHorizon":"${ticksToDateTime(c!.timestamp - 30n * 60n * 10_000_000n)}"}`,
    );
  });
  it("lets client signals and forwarded lock requests through untouched", () => {
    const r = new MessageSorter();
    const client: EntityRequestMessage = { op: "add", id: "x", timestamp: 0n, predecessor: 0n };
    expect(r.receiveInOrder(client, WINDOW)).toEqual([client]);
    expect(r.receiveInOrder(client, WINDOW)).toEqual([client]);
  });
});
