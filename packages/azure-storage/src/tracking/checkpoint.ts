/**
 * The checkpoint of an orchestration step, in DTF's order. Each step below is a place where a worker may die;
 * the crash-point tests stop it at the named ones (`CheckpointTestHooks`):
 *
 *   1. send the step's outbound messages (activities, sub-orchestration and entity messages, timers);
 *      crash point `beforeHistoryWrite`
 *   2. append the new history rows under the sentinel row's ETag, the consumed message ids with them (a 409/412
 *      means another worker wrote first: the work item is abandoned); crash point `beforeInstanceWrite`
 *   3. write the Instances row (under If-Match, see `InstancesTable`; when the row changed since, written again
 *      only while this step is still the newest in history); crash point `beforeMessageDelete`
 *   4. delete the consumed queue messages.
 *
 * A crash anywhere in between leads to redelivery and duplicate sends that receivers drop (the sentinel's
 * consumed ids, start dedupe, out-of-order checks), never to lost work; a crash between 2 and 3 of an
 * instance's last step leaves its row behind its history, which `repairInstanceRow` fixes when the messages
 * come back. docs/architecture.md follows one step from its queue message to this checkpoint.
 */
import {
  TaskHubError,
  isTerminalStatus,
  OrchestrationRuntimeState,
  entityMessageDueTime,
  type HistoryEvent,
  type InstanceRecord,
  type OrchestrationCommit,
} from "@taskhub/core";
import { HubPart, type HubContext } from "../hub-context.js";
import type { LocalActivities } from "../local-activities.js";
import type { ReceivedMessage } from "../messaging/queue-messages.js";
import type { TaskHubQueue } from "../messaging/task-hub-queue.js";
import type { OrchestrationSessionManager } from "../orchestration-session-manager.js";
import {
  CONSUMED_MEMORY_MS,
  MAX_CONSUMED_REMEMBERED,
  type AzureOrchestrationWorkItem,
  type Session,
} from "../orchestration-work-item.js";
import type { LargePayloadStore } from "../payloads/large-payloads.js";
import { isNotFound } from "../storage/errors.js";
import type { CheckpointTestHooks } from "./checkpoint-test-hooks.js";
import type { HistoryTable } from "./history-table.js";
import {
  historyPlaceOf,
  INPUT_SOURCES,
  instanceColumnValue,
  OUTPUT_SOURCES,
  type HistorySource,
} from "./instance-column-value.js";
import { instanceRecordBehindHistory } from "./instance-repair.js";
import type { InstancesTable } from "./instances-table.js";

/** Conditional Instances writes per checkpoint before the step is given up (its messages come back). */
const MAX_ROW_WRITE_ATTEMPTS = 3;

export interface CheckpointParts {
  queues: TaskHubQueue;
  history: HistoryTable;
  instances: InstancesTable;
  payloads: LargePayloadStore;
  sessionManager: OrchestrationSessionManager;
  local: LocalActivities;
  testHooks: CheckpointTestHooks | undefined;
}

export class OrchestrationCheckpoint extends HubPart {
  private readonly queues: TaskHubQueue;
  private readonly history: HistoryTable;
  private readonly instances: InstancesTable;
  private readonly payloads: LargePayloadStore;
  private readonly sessionManager: OrchestrationSessionManager;
  private readonly local: LocalActivities;
  private readonly testHooks: CheckpointTestHooks | undefined;
  /** The session manager's extended-session cache and deleted message ids. */
  private readonly sessions: Map<string, Session>;
  private readonly deletedIds: Map<string, Set<string>>;

  constructor(ctx: HubContext, parts: CheckpointParts) {
    super(ctx);
    this.queues = parts.queues;
    this.history = parts.history;
    this.instances = parts.instances;
    this.payloads = parts.payloads;
    this.sessionManager = parts.sessionManager;
    this.local = parts.local;
    this.testHooks = parts.testHooks;
    this.sessions = parts.sessionManager.sessions;
    this.deletedIds = parts.sessionManager.deletedIds;
  }

  /** Steps 1–3 (or the repair of a step that changed nothing), then step 4, the deletes. */
  async complete(wi: AzureOrchestrationWorkItem, commit: OrchestrationCommit | undefined): Promise<void> {
    try {
      if (commit) await this.checkpoint(wi, commit);
      else await this.repairInstanceRow(wi.instanceId, wi.pastEvents);
      // 4. Deletes.
      const deleted = await Promise.all(
        wi.messages.map(async (m) => {
          try {
            await this.clients.queue(m.queueName).deleteMessage(m.messageId, m.popReceipt);
            return m.messageId;
          } catch (err) {
            if (!isNotFound(err)) throw err;
            // The message may have become visible again and may be delivered once more: the next step
            // must not count this one as settled.
            this.sessions.delete(wi.instanceId);
            return undefined;
          }
        }),
      );
      this.sessionManager.rememberDeleted(
        wi.instanceId,
        deleted.filter((d): d is string => d !== undefined),
      );
    } catch (err) {
      this.sessions.delete(wi.instanceId);
      throw err;
    }
  }

  /** Steps 1–3: sends, then history under the sentinel ETag, then the Instances row. */
  private async checkpoint(wi: AzureOrchestrationWorkItem, commit: OrchestrationCommit): Promise<void> {
    const reserved = this.local.reserveLocalActivities(commit.activityMessages.length);
    const sentLocal: ReceivedMessage[] = [];
    try {
      const now = new Date();
      const localUntil = new Date(now.getTime() + this.s.workItemQueueVisibilityTimeoutMs);
      // 1. Sends.
      await this.queues.sendAll(
        [
          ...commit.activityMessages.map((message, i) =>
            i < reserved
              ? { queueName: this.names.workItemQueue, message, visibleAt: localUntil, local: sentLocal }
              : { queueName: this.names.workItemQueue, message },
          ),
          ...commit.orchestratorMessages.map((message) => ({
            queueName: this.names.controlQueues[this.partitionOf(message.orchestrationInstance.instanceId)]!,
            message,
            visibleAt: entityMessageDueTime(message),
          })),
          ...commit.timerMessages.map((t) => ({
            queueName: this.names.controlQueues[wi.partition]!,
            message: t.message,
            visibleAt: t.fireAt,
          })),
        ],
        now,
      );

      const executionId = commit.state.executionId;
      const sameExecution = wi.executionId === executionId;
      const startIndex = commit.replacesHistory ? 0 : wi.pastEvents.length;
      await this.testHooks?.beforeHistoryWrite?.(wi, commit);
      // 2. History, under the sentinel's ETag.
      // Remember this step's messages (and those of recent steps) in the sentinel, atomically with the history.
      const deleted = this.deletedIds.get(wi.instanceId);
      const consumed = new Map(
        [...wi.consumed].filter(([id, t]) => now.getTime() - t < CONSUMED_MEMORY_MS && !deleted?.has(id)),
      );
      for (const m of wi.messages) consumed.set(m.messageId, now.getTime());
      while (consumed.size > MAX_CONSUMED_REMEMBERED) consumed.delete(consumed.keys().next().value!);
      const { etag, blobNames } = await this.history.append({
        instanceId: wi.instanceId,
        executionId,
        events: commit.newEvents,
        startIndex,
        etag: wi.etag,
        truncateFrom:
          commit.replacesHistory && sameExecution && commit.newEvents.length < wi.pastEvents.length
            ? commit.newEvents.length
            : undefined,
        now,
        consumed,
      });
      // Local activities go to the dispatcher once the events their results answer are in history.
      this.local.handOverLocalActivities(sentLocal.splice(0));
      await this.testHooks?.beforeInstanceWrite?.(wi, commit);

      // 3. The Instances row.
      // Large values are the URLs of the blobs the history rows just wrote (DT.AS: never written twice).
      const started = commit.newEvents.some((e) => e.type === "ExecutionStarted");
      const { serializedInput: input, serializedOutput: output } = commit.state;
      const appended = (value: string, sources: readonly HistorySource[]): string | undefined => {
        const place = historyPlaceOf(commit.newEvents, value, sources);
        return place && blobNames[place.index]?.[place.source[2]];
      };
      await this.writeInstanceRow(wi.instanceId, commit.state, etag, started, {
        input: started
          ? await instanceColumnValue(this.payloads, wi.instanceId, "Input", input, () =>
              appended(input!, INPUT_SOURCES),
            )
          : undefined,
        output: await instanceColumnValue(this.payloads, wi.instanceId, "Output", output, () =>
          appended(output!, OUTPUT_SOURCES),
        ),
      });
      await this.testHooks?.beforeMessageDelete?.(wi, commit);

      const events = commit.replacesHistory ? [...commit.newEvents] : [...wi.pastEvents, ...commit.newEvents];
      if (this.s.extendedSessions && !isTerminalStatus(commit.state.runtimeStatus))
        this.sessions.set(wi.instanceId, { executionId, events, etag, lastUsed: Date.now(), consumed });
      else this.sessions.delete(wi.instanceId);
    } finally {
      this.local.localActivitiesSending -= reserved;
      // A step that failed after its sends: its activities were sent, as DTF's would be visible; run them.
      this.local.handOverLocalActivities(sentLocal.splice(0));
    }
  }

  /**
   * Step 3. A row that changed since this worker last saw it (another worker or runtime wrote it, or an
   * earlier write of ours landed late) is written again only while this step's history append is still the
   * newest (the sentinel is at `historyEtag`); otherwise a newer step owns the row and this write is dropped.
   */
  private async writeInstanceRow(
    instanceId: string,
    record: InstanceRecord,
    historyEtag: string,
    startsExecution: boolean,
    io: { input?: string; output?: string },
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.instances.writeCheckpoint(record, io, startsExecution && attempt === 1);
      if (outcome === "written") break;
      if (!(await this.history.sentinelIsAt(instanceId, historyEtag))) {
        this.logger.info(
          { event: "instance.rowWriteSuperseded", instanceId },
          "a newer step of the instance was checkpointed meanwhile; its Instances row is left to it",
        );
        return;
      }
      if (attempt === MAX_ROW_WRITE_ATTEMPTS)
        throw new TaskHubError(
          "WorkItemLockLost",
          `the Instances row of '${instanceId}' kept changing during the checkpoint (${attempt} attempts)`,
        );
    }
    if (isTerminalStatus(record.runtimeStatus)) this.instances.forget(instanceId);
  }

  /**
   * Instances-row repair: messages a committed step consumed are being dropped, or a step changed
   * nothing; if that step's Instances write never happened, nothing else may rewrite the row (a finished
   * instance, an entity's last batch): rewrite it from history (see `instanceRecordBehindHistory`).
   */
  async repairInstanceRow(instanceId: string, pastEvents: readonly HistoryEvent[]): Promise<void> {
    const state = new OrchestrationRuntimeState([...pastEvents]);
    if (!state.startEvent) return;
    const row = await this.instances.get(instanceId);
    const record = instanceRecordBehindHistory(instanceId, pastEvents, row?.record, new Date());
    if (!record) return;
    // A large value is in a blob its history row names: look that up (DT.AS does the same), do not copy it.
    const fromHistory =
      (value: string, sources: readonly HistorySource[]) => async (): Promise<string | undefined> => {
        const place = historyPlaceOf(state.events, value, sources);
        return (
          place && this.history.blobNameOf(instanceId, record.executionId, place.source[0], place.source[2])
        );
      };
    await this.instances.upsert(record, {
      input: await instanceColumnValue(
        this.payloads,
        instanceId,
        "Input",
        record.serializedInput,
        fromHistory(record.serializedInput!, INPUT_SOURCES),
      ),
      output: await instanceColumnValue(
        this.payloads,
        instanceId,
        "Output",
        record.serializedOutput,
        fromHistory(record.serializedOutput!, OUTPUT_SOURCES),
      ),
    });
    this.logger.warn(
      { event: "instance.repaired", instanceId, status: state.status },
      "Instances row repaired from history",
    );
  }
}
