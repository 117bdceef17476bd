// Which sends and give-backs wake this process's poller of a control queue, and when, against Azurite: a message
// visible at once (sent, or given back with no delay) wakes it now; one visible later wakes it when it is visible.
import { describe, expect, inject, it, vi } from "vitest";
import type { TaskMessage } from "@taskhub/core";
import type { HubContext } from "../../src/hub-context.js";
import { createStorageClients } from "../../src/index.js";
import { QueueMessenger, type ReceivedMessage } from "../../src/messaging/queue-messages.js";
import type { PoisonStore } from "../../src/messaging/poison-store.js";
import { TaskHubQueue } from "../../src/messaging/task-hub-queue.js";
import { taskHubNames } from "../../src/naming.js";
import type { LargePayloadStore } from "../../src/payloads/large-payloads.js";
import { resolveSettings } from "../../src/settings.js";
import { uniqueHubName } from "../helpers.js";

function message(instanceId: string): TaskMessage {
  return {
    event: {
      type: "EventRaised",
      eventId: -1,
      isPlayed: false,
      timestamp: new Date().toISOString(),
      name: "e",
    },
    orchestrationInstance: { instanceId, executionId: "" },
  } as unknown as TaskMessage;
}

describe("TaskHubQueue local wakes", () => {
  it("wakes the poller of a control queue at once for a message visible now, at its visibility for a later one, and after a give-back with no delay only", async () => {
    const connectionString = inject("azuriteConnectionString");
    const clients = createStorageClients({ connectionString });
    const names = taskHubNames(uniqueHubName("wake"), 1);
    const queueName = names.controlQueues[0]!;
    await clients.queue(queueName).create();
    const messenger = new QueueMessenger(undefined as unknown as LargePayloadStore);
    const ctx = {
      names,
      partitionCount: 1,
      clients,
      settings: resolveSettings({ taskHubName: names.hub, storage: { connectionString } }),
      messenger,
      isRunning: () => true,
      wakeLocal: vi.fn(),
      wakeLocalAt: vi.fn(),
    } as unknown as HubContext & {
      wakeLocal: ReturnType<typeof vi.fn>;
      wakeLocalAt: ReturnType<typeof vi.fn>;
    };
    const queues = new TaskHubQueue(ctx, undefined as unknown as PoisonStore);
    try {
      const now = new Date();
      await queues.sendAll([{ queueName, message: message("a") }], now);
      expect(ctx.wakeLocal.mock.calls).toEqual([[queueName]]);
      expect(ctx.wakeLocalAt).not.toHaveBeenCalled();

      // Visible in 2.3 s: the queue takes whole seconds (3), counted from when it got the send.
      const before = Date.now();
      await queues.sendAll(
        [{ queueName, message: message("a"), visibleAt: new Date(now.getTime() + 2300) }],
        now,
      );
      const after = Date.now();
      expect(ctx.wakeLocal).toHaveBeenCalledTimes(1);
      expect(ctx.wakeLocalAt).toHaveBeenCalledTimes(1);
      const [wakeQueue, at] = ctx.wakeLocalAt.mock.calls[0]! as [string, number];
      expect(wakeQueue).toBe(queueName);
      expect(at).toBeGreaterThanOrEqual(before + 3000);
      expect(at).toBeLessThanOrEqual(after + 3000 + 100);

      // Given back: with a delay, the back-off finds it; with none, the poller looks now.
      const received = (await clients.queue(queueName).receiveMessages()).receivedMessageItems[0]!;
      const m = {
        queueName,
        messageId: received.messageId,
        popReceipt: received.popReceipt,
        dequeueCount: received.dequeueCount,
        insertedOn: received.insertedOn,
        body: received.messageText,
        taskMessage: message("a"),
      } as unknown as ReceivedMessage;
      ctx.wakeLocal.mockClear();
      await queues.abandonMessages([m], 1, 5);
      expect(ctx.wakeLocal).not.toHaveBeenCalled();
      await queues.abandonMessages([m], 1, 0);
      expect(ctx.wakeLocal.mock.calls).toEqual([[queueName]]);
    } finally {
      await clients.queue(queueName).delete();
    }
  });
});
