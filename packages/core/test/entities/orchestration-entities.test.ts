// The entity requests an orchestration sends (ctx.entities): the trace members DTF's .NET SDK sets on them.
import { describe, expect, it } from "vitest";
import { parseRequest, type EntityRequestMessage } from "../../src/entities/messages.js";
import { OrchestrationEntities, type EntityFeatureHost } from "../../src/entities/orchestration-entities.js";
import { dateTimeToTicks } from "../../src/history/time.js";
import { CompletableTask } from "../../src/replay/tasks.js";

/** A host whose episode time is `at` (in ticks, with sub-millisecond digits) and that keeps what is sent. */
function host(
  at: string,
): EntityFeatureHost & { sent: { target: string; name: string; request: EntityRequestMessage }[] } {
  let n = 0;
  const sent: { target: string; name: string; request: EntityRequestMessage }[] = [];
  return {
    sent,
    instanceId: "orch-1",
    executionId: "e1",
    currentUtcDateTime: new Date(at),
    nowTicks: () => dateTimeToTicks(at),
    newRequestId: () => `req-${++n}`,
    sendRawEvent: (target, name, input) => sent.push({ target, name, request: parseRequest(input ?? "") }),
    waitForExternalEvent: <T>() => new CompletableTask<T>(),
  };
}

describe("an orchestration's entity requests", () => {
  const at = "2026-12-06T21:00:00.1234567Z";
  const requestTime = "2026-12-06T21:00:00.1234567+00:00";

  it("calls and signals (now and scheduled) ask the entity to trace them, from the episode's time", () => {
    const h = host(at);
    const entities = new OrchestrationEntities(h);
    entities.callEntity("@counter@k", "add", 1);
    entities.signalEntity("@counter@k", "add", 2);
    entities.signalEntity("@counter@k", "add", 3, { scheduledTime: new Date("2026-12-07T00:00:00Z") });
    expect(h.sent).toHaveLength(3);
    for (const { request } of h.sent) {
      expect(request.createTrace).toBe(true);
      expect(request.requestTime).toBe(requestTime);
    }
    // A re-run of the step sends the same bytes.
    const again = host(at);
    const e2 = new OrchestrationEntities(again);
    e2.callEntity("@counter@k", "add", 1);
    expect(again.sent[0]!.request).toEqual(h.sent[0]!.request);
  });

  it("lock requests carry neither, as DTF's", () => {
    const h = host(at);
    new OrchestrationEntities(h).lockEntities("@counter@a", "@counter@b");
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]!.request.lockset).toHaveLength(2);
    expect(h.sent[0]!.request.createTrace).toBeUndefined();
    expect(h.sent[0]!.request.requestTime).toBeUndefined();
  });
});
