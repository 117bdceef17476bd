/**
 * What an orchestration work item carries from its lock to its checkpoint on Azure Storage, and the cached
 * session (history in memory) it was built from. Shared by the session manager, which builds work items, and
 * the checkpoint, which completes them.
 */
import type { HistoryEvent, OrchestrationWorkItem } from "@taskhub/core";
import type { ReceivedMessage } from "./messaging/queue-messages.js";

export interface Session {
  executionId: string | undefined;
  events: HistoryEvent[];
  etag: string | undefined;
  lastUsed: number;
  /** Served from the cache: this worker completed the instance's previous step, message deletes included. */
  cached?: boolean;
  /** Queue message ids that committed checkpoints consumed (from the sentinel), with when. */
  consumed: Map<string, number>;
}

export interface AzureOrchestrationWorkItem extends OrchestrationWorkItem {
  readonly messages: ReceivedMessage[];
  readonly etag: string | undefined;
  readonly executionId: string | undefined;
  readonly partition: number;
  readonly consumed: Map<string, number>;
  /** This work item's hold on the instance (see the session manager's `locked`). */
  readonly lock: number;
}

const DAY = 24 * 3600_000;
/**
 * How long, and how many, consumed message ids the sentinel remembers. Only ids whose delete this worker has
 * not seen succeed stay there (a deleted message cannot come back), so in steady state it holds one step's
 * messages; what remains after a crash comes back within a visibility timeout once any worker owns the
 * partition, a day covers workers being down for that long. 300 ids fit a table column.
 */
export const CONSUMED_MEMORY_MS = DAY;
export const MAX_CONSUMED_REMEMBERED = 300;
