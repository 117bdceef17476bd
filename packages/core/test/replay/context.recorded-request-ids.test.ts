// An entity request replayed over its recorded EventSent keeps the recorded request id: the Durable Functions
// extension names requests with GUIDs of its own and the entity's response (an EventRaised) by them, so an
// instance DF started must wait for that name, not for taskhub's id.
import { describe, expect, it } from "vitest";
import { newEvent, replayOrchestration, type Orchestrator } from "../../src/index.js";
import { History, INSTANCE } from "../../src/testing/index.js";

const DF_ID = "6f1b8a5e-2c1d-5b0e-9a51-3c1f0d7e2a11";
const counter = { name: "counter", key: "k" };

function sent(id: number, body: Record<string, unknown>) {
  return newEvent("EventSent", {
    eventId: id,
    timestamp: new Date(0),
    instanceId: "@counter@k",
    name: "op",
    input: JSON.stringify(body),
  });
}

describe("entity requests replayed over DF-written EventSent events", () => {
  it("a call waits for the response named by the recorded id", () => {
    const o: Orchestrator = function* (ctx) {
      return (yield ctx.entities.callEntity(counter, "add", 2)) as unknown;
    };
    const h = new History()
      .episode()
      .start("T")
      .push(sent(0, { op: "add", input: "2", id: DF_ID, parent: INSTANCE }))
      .end();
    const split = h.mark();
    h.episode().raised(DF_ID, { result: "5" });
    const r = replayOrchestration(o, h.events.slice(0, split), h.events.slice(split));
    expect(r.completion).toMatchObject({ status: "Completed", result: "5" });
  });

  it("a lock's release names the recorded lock id", () => {
    const o: Orchestrator = function* (ctx) {
      const lock = (yield ctx.entities.lockEntities(counter)) as { release(): void };
      lock.release();
      return "ok";
    };
    const h = new History()
      .episode()
      .start("T")
      .push(sent(0, { op: null, id: DF_ID, parent: INSTANCE, lockset: [counter], pos: 0 }))
      .end();
    const split = h.mark();
    h.episode().raised(DF_ID, { result: "Lock Acquisition Completed" });
    const r = replayOrchestration(o, h.events.slice(0, split), h.events.slice(split));
    expect(r.actions[0]).toMatchObject({ type: "SendEvent", name: "release" });
    expect(JSON.parse((r.actions[0] as { input: string }).input)).toEqual({ parent: INSTANCE, id: DF_ID });
    expect(r.completion?.status).toBe("Completed");
  });

  it("a request with no recorded event keeps taskhub's own id", () => {
    const o: Orchestrator = function* (ctx) {
      return (yield ctx.entities.callEntity(counter, "add", 2)) as unknown;
    };
    const r = replayOrchestration(o, [], new History().episode().start("T").events);
    const body = JSON.parse((r.actions[0] as { input: string }).input) as { id: string };
    expect(body.id).not.toBe(DF_ID);
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
