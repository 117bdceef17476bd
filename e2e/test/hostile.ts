/** Shared pieces of the reliability suites (issue 9): storage peeks, hostile inputs, what a stuck instance waits for. */
import { randomBytes } from "node:crypto";
import type { HistoryEvent } from "@taskhub/core";
import type { AzureStorageOrchestrationService, PoisonMessage, StorageClients } from "@taskhub/azure-storage";
import type { Hub } from "./worker-hub.js";

type QueueServiceClient = StorageClients["queueService"];

/** Poll the poison store until `done` holds (or the time is up); returns the last listing. */
export async function waitForPoison(
  service: AzureStorageOrchestrationService,
  done: (p: PoisonMessage[]) => boolean,
  timeoutMs: number,
): Promise<PoisonMessage[]> {
  const deadline = Date.now() + timeoutMs;
  let list = await service.listPoisonMessages();
  while (!done(list) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    list = await service.listPoisonMessages();
  }
  return list;
}

/** Messages on a queue, visible or not (approximate count, exact on Azurite). */
export async function queueLength(queues: QueueServiceClient, name: string): Promise<number> {
  return (await queues.getQueueClient(name).getProperties()).approximateMessagesCount ?? 0;
}

/** A string of `bytes` ASCII characters that gzip cannot shrink much (base64 of random bytes). */
export function incompressible(bytes: number): string {
  return randomBytes(Math.ceil((bytes * 3) / 4))
    .toString("base64")
    .slice(0, bytes);
}

/** What a stuck instance is waiting for: its history, its children, the poison store, the queues. */
export async function diagnose(h: Hub, id: string, counterKey: string): Promise<string> {
  const lines: string[] = [];
  const summary = (hs: HistoryEvent[]): string =>
    hs
      .map(
        (e) =>
          `${e.type}${e.eventId >= 0 ? `#${e.eventId}` : ""}${"taskScheduledId" in e ? `->${e.taskScheduledId}` : ""}${e.type === "TimerFired" ? `->${e.timerId}` : ""}${"name" in e && e.name ? `(${e.name})` : ""}`,
      )
      .join(" ");
  const history = await h.client.getOrchestrationHistory(id);
  lines.push(`state: ${JSON.stringify(await h.client.getOrchestrationState(id, { fetchPayloads: false }))}`);
  lines.push(`history: ${summary(history)}`);
  for (const e of history)
    if (e.type === "SubOrchestrationInstanceCreated") {
      lines.push(
        `child ${e.instanceId}: ${JSON.stringify((await h.client.getOrchestrationState(e.instanceId, { fetchPayloads: false }))?.runtimeStatus)} ${summary(await h.client.getOrchestrationHistory(e.instanceId))}`,
      );
    }
  lines.push(
    `poison: ${JSON.stringify((await h.service.listPoisonMessages()).map((m) => [m.instanceId, m.eventType, m.reason]))}`,
  );
  lines.push(`counter: ${JSON.stringify(await h.client.getEntity({ name: "counter", key: counterKey }))}`);
  // A control queue nobody owns (or two workers own) shows here.
  for await (const r of h.service.clients
    .table(h.service.names.partitionsTable)
    .listEntities<Record<string, unknown>>())
    lines.push(
      `partition ${r.rowKey}: owner ${String(r.CurrentOwner)}, next ${String(r.NextOwner)}, expires ${String(r.ExpiresAt)}, draining ${String(r.IsDraining)}`,
    );
  lines.push(
    `live workers: ${h.workers
      .filter((w) => w.exitedAt === undefined)
      .map((w) => w.id)
      .join(" ")}`,
  );
  for (const q of [...h.service.names.controlQueues, h.service.names.workItemQueue]) {
    const props = await h.queues.getQueueClient(q).getProperties();
    const peek = await h.queues.getQueueClient(q).peekMessages({ numberOfMessages: 32 });
    lines.push(
      `${q}: ${props.approximateMessagesCount} messages; visible: ${peek.peekedMessageItems.map((m) => `${m.dequeueCount}x ${m.messageText.slice(0, 160)}`).join(" | ")}`,
    );
  }
  return lines.join("\n");
}
