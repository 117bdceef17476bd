// HubPart's catch handler for best-effort changes to received messages, against Azurite's real answers: a
// message no longer ours passes silently, any other failure is logged as `message.<op>Failed`.
import { randomBytes } from "node:crypto";
import { RecordingLogger } from "@taskhub/core/testing";
import { describe, expect, inject, it } from "vitest";
import { HubPart, type HubContext } from "../src/hub-context.js";
import { createStorageClients } from "../src/index.js";

class Part extends HubPart {
  settle(
    op: "delete" | "abandon" | "renew",
    m: { queueName: string; messageId: string },
  ): (err: unknown) => undefined {
    return this.messageOpFailed(op, m);
  }
}

describe("HubPart.messageOpFailed", () => {
  it("passes a deleted message or a stale pop receipt silently and logs any other failure", async () => {
    const clients = createStorageClients({ connectionString: inject("azuriteConnectionString") });
    const queueName = `q${randomBytes(6).toString("hex")}`;
    const queue = clients.queue(queueName);
    await queue.create();
    const logger = new RecordingLogger();
    const part = new Part({ logger, clients } as unknown as HubContext);
    await queue.sendMessage("m");
    const [m] = (await queue.receiveMessages()).receivedMessageItems;
    const { messageId, popReceipt: first } = m!;
    const settle = (op: "delete" | "abandon"): ((err: unknown) => undefined) =>
      part.settle(op, { queueName, messageId });

    // Made visible again: the receipt received first is stale.
    const { popReceipt: second } = await queue.updateMessage(messageId, first, undefined, 0);
    await expect(queue.deleteMessage(messageId, first).catch(settle("delete"))).resolves.toBeUndefined();
    // An abandon the service refuses (a visibility timeout over its 7 days) is logged.
    const refused = await queue.updateMessage(messageId, second!, undefined, 8 * 24 * 3600).then(
      () => "updated",
      (e: unknown) => e,
    );
    expect(refused).not.toBe("updated");
    await queue.updateMessage(messageId, second!, undefined, 8 * 24 * 3600).catch(settle("abandon"));
    // Deleted: a second delete finds nothing.
    await queue.deleteMessage(messageId, second!);
    await expect(queue.deleteMessage(messageId, second!).catch(settle("delete"))).resolves.toBeUndefined();

    expect(logger.eventNames()).toEqual(["message.abandonFailed"]);
    expect(logger.events("message.abandonFailed")).toEqual([
      { queue: queueName, messageId, err: expect.objectContaining({ statusCode: 400 }) },
    ]);
    await queue.delete();
  });
});
