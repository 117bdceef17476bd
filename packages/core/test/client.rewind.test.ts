// TaskHubClient.rewindOrchestration: a backend with its own rewind (DTF's Azure Storage provider rewrites the
// failed history rows and wakes the instance itself) gets that call; any other gets an ExecutionRewound message.
import { describe, expect, it } from "vitest";
import { TaskHubClient, type InstanceRecord, type TaskMessage } from "../src/index.js";
import { InMemoryOrchestrationService } from "../src/testing/index.js";

const FAILED: InstanceRecord = {
  instanceId: "i",
  executionId: "e1",
  name: "Any",
  runtimeStatus: "Failed",
  createdAt: new Date(0),
  lastUpdatedAt: new Date(0),
  generation: 0,
};

class FailedInstance extends InMemoryOrchestrationService {
  readonly sent: TaskMessage[] = [];
  override getOrchestrationState(): Promise<InstanceRecord | undefined> {
    return Promise.resolve(FAILED);
  }
  override sendTaskOrchestrationMessage(message: TaskMessage): Promise<void> {
    this.sent.push(message);
    return Promise.resolve();
  }
}

class WithOwnRewind extends FailedInstance {
  readonly rewound: [string, string | undefined][] = [];
  rewindTaskOrchestration(instanceId: string, reason?: string): Promise<void> {
    this.rewound.push([instanceId, reason]);
    return Promise.resolve();
  }
}

describe("rewindOrchestration", () => {
  it("uses the backend's own rewind when it has one, and sends nothing itself", async () => {
    const service = new WithOwnRewind();
    await new TaskHubClient(service).rewindOrchestration("i", "fixed");
    expect(service.rewound).toEqual([["i", "fixed"]]);
    expect(service.sent).toEqual([]);
  });

  it("otherwise sends ExecutionRewound to the failed execution", async () => {
    const service = new FailedInstance();
    await new TaskHubClient(service).rewindOrchestration("i", "fixed");
    expect(service.sent.map((m) => [m.event.type, m.orchestrationInstance])).toEqual([
      ["ExecutionRewound", { instanceId: "i", executionId: "e1" }],
    ]);
  });
});
