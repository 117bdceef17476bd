/**
 * The client side of the provider (`OrchestrationServiceClient`, instance queries and counts, purge): start an instance
 * with DTF's create protocol, send it messages (raise, terminate, suspend, resume, rewind), read its state and
 * history, query and purge instances. Storage failures surface as `StorageError`. Every verb takes an
 * `abortSignal`, passed to each storage request it makes; once it aborts, the verb rejects with `AbortError`.
 */
import pLimit from "p-limit";
import {
  abortable,
  AbortError,
  emptyInstanceCounts,
  entityMessageDueTime,
  isAbortError,
  isTerminalStatus,
  OrchestrationAlreadyExistsError,
  parseDtfDateTime,
  TaskHubError,
  TERMINAL_STATUSES,
  toDtfDateTime,
  withoutPayloads,
  type CreateInstanceOptions,
  type ExecutionStartedEvent,
  type GetInstanceOptions,
  type HistoryEvent,
  type InstanceCounts,
  type InstanceFilter,
  type InstanceQuery,
  type InstanceRecord,
  type OperationOptions,
  type Page,
  type PurgeFilter,
  type PurgeResult,
  type TaskMessage,
} from "@taskhub/core";
import { HubPart, type HubContext } from "./hub-context.js";
import {
  instancePropertyBlobName,
  MAX_TABLE_PROPERTY_BYTES,
  utf16ByteLength,
  type LargePayloadStore,
} from "./payloads/large-payloads.js";
import { orEmptyIfMissing, toStorageError } from "./storage/errors.js";
import type { HistoryTable } from "./tracking/history-table.js";
import { instanceColumnValue } from "./tracking/instance-column-value.js";
import type { InstancesTable } from "./tracking/instances-table.js";
import { escapePartitionKey } from "./tracking/key-sanitation.js";
import { rewindFailedHistory } from "./tracking/rewind.js";

/** DT.AS's sender of messages a client sends (its `EmptySourceInstance`). */
const CLIENT_SENDER = { instanceId: "", executionId: "" } as const;

export interface ClientParts {
  history: HistoryTable;
  instances: InstancesTable;
  payloads: LargePayloadStore;
  /** Writes create a missing task hub, as DT.AS's do. */
  createIfNotExists(): Promise<void>;
}

export class AzureStorageOrchestrationServiceClient extends HubPart {
  private readonly history: HistoryTable;
  private readonly instances: InstancesTable;
  private readonly payloads: LargePayloadStore;
  private readonly createIfNotExists: () => Promise<void>;

  constructor(ctx: HubContext, parts: ClientParts) {
    super(ctx);
    this.history = parts.history;
    this.instances = parts.instances;
    this.payloads = parts.payloads;
    this.createIfNotExists = parts.createIfNotExists;
  }

  /**
   * Client calls surface storage failures as `StorageError` (code "Storage") with status and Azure code, and
   * an abort (of the signal, or of a request by it) as `AbortError` as soon as the signal aborts.
   */
  private guard<T>(operation: string, options: OperationOptions, fn: () => Promise<T>): Promise<T> {
    return abortable(options.abortSignal, operation, async () => {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof TaskHubError) throw err;
        if (isAbortError(err)) throw new AbortError(`${operation} was aborted`, { cause: err });
        throw toStorageError(err, operation);
      }
    });
  }

  createTaskOrchestration(startMessage: TaskMessage, options: CreateInstanceOptions = {}): Promise<void> {
    return this.guard("createTaskOrchestration", options, () =>
      this.createTaskOrchestrationImpl(startMessage, options),
    );
  }

  sendTaskOrchestrationMessage(message: TaskMessage, options: OperationOptions = {}): Promise<void> {
    return this.guard("sendTaskOrchestrationMessage", options, () =>
      this.sendTaskOrchestrationMessageImpl(message, options),
    );
  }

  getOrchestrationState(
    instanceId: string,
    options: GetInstanceOptions = {},
  ): Promise<InstanceRecord | undefined> {
    return this.guard("getOrchestrationState", options, () =>
      this.getOrchestrationStateImpl(instanceId, options),
    );
  }

  getOrchestrationHistory(instanceId: string, options: OperationOptions = {}): Promise<HistoryEvent[]> {
    return this.guard("getOrchestrationHistory", options, () =>
      orEmptyIfMissing(async () => (await this.history.read(instanceId, undefined, options)).events, []),
    );
  }

  queryInstances(
    query: InstanceQuery,
    continuationToken?: string,
    options: OperationOptions = {},
  ): Promise<Page<InstanceRecord>> {
    return this.guard("queryInstances", options, () =>
      this.queryInstancesImpl(query, continuationToken, options),
    );
  }

  /** Counts per runtime status, reading only the columns the filter needs; all 0 when the hub does not exist. */
  countInstancesByStatus(filter: InstanceFilter, options: OperationOptions = {}): Promise<InstanceCounts> {
    return this.guard("countInstancesByStatus", options, () =>
      orEmptyIfMissing(() => this.instances.countByStatus(filter, options), emptyInstanceCounts()),
    );
  }

  purgeInstance(instanceId: string, options: OperationOptions = {}): Promise<PurgeResult> {
    return this.guard("purgeInstance", options, () => this.purgeInstanceImpl(instanceId, options));
  }

  purgeInstances(filter: PurgeFilter, options: OperationOptions = {}): Promise<PurgeResult> {
    return this.guard("purgeInstances", options, () => this.purgeInstancesImpl(filter, options));
  }

  /**
   * DT.AS's rewind (tracking/rewind.ts): rewrite the failed history, wake the deepest failed instances with a
   * GenericEvent. An abort stops it between its requests; the history rows it rewrote stay rewritten.
   */
  rewindTaskOrchestration(
    instanceId: string,
    reason?: string,
    options: OperationOptions = {},
  ): Promise<void> {
    return this.guard("rewindTaskOrchestration", options, async () => {
      for (const id of await rewindFailedHistory(this.history.table, this.instances, instanceId))
        await this.sendTaskOrchestrationMessageImpl(
          {
            orchestrationInstance: { instanceId: id },
            event: {
              type: "GenericEvent",
              eventId: -1,
              isPlayed: false,
              timestamp: toDtfDateTime(new Date()),
              data: reason,
            },
          },
          options,
        );
    });
  }

  /** DTF's create protocol: read the row, send ExecutionStarted, write the Pending row. */
  private async createTaskOrchestrationImpl(
    startMessage: TaskMessage,
    options: CreateInstanceOptions = {},
  ): Promise<void> {
    const event = startMessage.event;
    if (event.type !== "ExecutionStarted")
      throw new TaskHubError("InvalidArgument", "start message must carry ExecutionStarted");
    const { abortSignal } = options;
    await this.createIfNotExists();
    const instanceId = startMessage.orchestrationInstance.instanceId;
    const existing = await this.instances.get(instanceId, { abortSignal });
    if (existing && (options.dedupeStatuses ?? []).includes(existing.record.runtimeStatus))
      throw new OrchestrationAlreadyExistsError(instanceId, existing.record.runtimeStatus);
    const generation = existing ? existing.record.generation + 1 : 0;
    const start: ExecutionStartedEvent = { ...event, generation };
    const message: TaskMessage = {
      ...startMessage,
      event: start,
      sender: startMessage.sender ?? CLIENT_SENDER,
    };
    const visibleAt = start.scheduledStartTime ? new Date(start.scheduledStartTime) : undefined;
    const now = new Date();
    const { data } = await this.messenger.send(this.controlQueue(this.partitionOf(instanceId)), message, {
      visibleAt,
      now,
      abortSignal,
    });
    this.wakeLocalWhenVisible(this.names.controlQueues[this.partitionOf(instanceId)]!, visibleAt, now);
    // As DT.AS: an offloaded start message's blob is the input (readers take it out of the envelope); an
    // input that fit the queue message but not a column goes to a blob named in `InputBlobName`, Input "".
    let input = start.input;
    let inputBlobName: string | undefined;
    if (data.compressedBlobName) input = this.payloads.urlOf(data.compressedBlobName);
    else if (input !== undefined && utf16ByteLength(input) > MAX_TABLE_PROPERTY_BYTES) {
      inputBlobName = instancePropertyBlobName(escapePartitionKey(instanceId), "Input");
      await this.payloads.upload(inputBlobName, input, { abortSignal });
      input = "";
    }
    const record: InstanceRecord = {
      instanceId,
      executionId: start.orchestrationInstance.executionId ?? "",
      name: start.name,
      version: start.version,
      runtimeStatus: "Pending",
      // DT.AS: CreatedTime is the start event's Timestamp, LastUpdatedTime the time of this write.
      createdAt: parseDtfDateTime(start.timestamp),
      lastUpdatedAt: now,
      scheduledStartAt: visibleAt,
      serializedInput: start.input,
      tags: start.tags,
      generation,
    };
    await this.instances.writePending(record, existing?.etag, { input, inputBlobName }, { abortSignal });
  }

  private async sendTaskOrchestrationMessageImpl(
    message: TaskMessage,
    options: OperationOptions,
  ): Promise<void> {
    const { abortSignal } = options;
    await this.createIfNotExists();
    const instanceId = message.orchestrationInstance.instanceId;
    const type = message.event.type;
    if (type === "ExecutionTerminated" || type === "ExecutionRewound") {
      const row = await this.instances.get(instanceId, options);
      // Terminate before start: the instance ends without running; its start message is dropped on arrival.
      if (type === "ExecutionTerminated" && row?.record.runtimeStatus === "Pending") {
        const h = await this.history.read(instanceId, undefined, options);
        if (!h.events.some((e) => e.type === "ExecutionStarted")) {
          const now = new Date();
          const output = await instanceColumnValue(
            this.payloads,
            instanceId,
            "Output",
            message.event.input,
            () => undefined,
          );
          await this.instances.merge(
            instanceId,
            {
              RuntimeStatus: "Terminated",
              LastUpdatedTime: { value: now.toISOString(), type: "DateTime" },
              CompletedTime: { value: now.toISOString(), type: "DateTime" },
              Output: output ?? "",
            },
            options,
          );
          return;
        }
      }
      if (type === "ExecutionRewound" && row?.record.runtimeStatus === "Failed")
        await this.instances.merge(
          instanceId,
          {
            RuntimeStatus: "Pending",
            LastUpdatedTime: { value: new Date().toISOString(), type: "DateTime" },
          },
          options,
        );
    }
    const queueName = this.names.controlQueues[this.partitionOf(instanceId)]!;
    const visibleAt = entityMessageDueTime(message);
    const now = new Date();
    await this.messenger.send(
      this.clients.queue(queueName),
      { ...message, sender: message.sender ?? CLIENT_SENDER },
      { now, visibleAt, abortSignal },
    );
    this.wakeLocalWhenVisible(queueName, visibleAt, now);
  }

  // Reads never create storage (as DT.AS: only its writes create a missing task hub). A hub without a table
  // reads as empty: `instances.get` answers undefined for any 404, the others go through `orEmptyIfMissing`.
  private async getOrchestrationStateImpl(
    instanceId: string,
    options: GetInstanceOptions,
  ): Promise<InstanceRecord | undefined> {
    const row = await this.instances.get(instanceId, options);
    if (!row) return undefined;
    return this.completeRecord(row, options.fetchPayloads ?? true, options);
  }

  /** Resolve blob-URL payloads and, for Failed instances, the structured failure from history. */
  private async completeRecord(
    row: { record: InstanceRecord; inputBlobName?: string | undefined },
    fetchPayloads: boolean,
    options: OperationOptions,
  ): Promise<InstanceRecord> {
    const r = fetchPayloads ? { ...row.record } : withoutPayloads(row.record);
    if (fetchPayloads) {
      // InputBlobName is only read while Input is empty: a Pending row's (DT.AS shows "" there), whose column
      // stays after the first checkpoint has put the URL of the history's copy into Input.
      if (row.inputBlobName && !r.serializedInput)
        r.serializedInput = await this.payloads.download(row.inputBlobName, options);
      else r.serializedInput = await this.resolvePayload(r.serializedInput, "input", options);
      r.serializedOutput = await this.resolvePayload(r.serializedOutput, "output", options);
    }
    if (r.runtimeStatus === "Failed") {
      const h = await this.history.read(r.instanceId, undefined, options);
      const done = h.events.find((e) => e.type === "ExecutionCompleted");
      if (done?.type === "ExecutionCompleted") r.failureDetails = done.failureDetails;
    }
    return r;
  }

  private async resolvePayload(
    value: string | undefined,
    what: "input" | "output",
    options: OperationOptions,
  ): Promise<string | undefined> {
    if (value === undefined) return undefined;
    const blobName = this.payloads.blobNameFromUrl(value);
    if (!blobName) return value;
    const text = await this.payloads.download(blobName, options);
    if (what === "input" && blobName.endsWith("ExecutionStarted.json.gz")) {
      const decoded = await this.messenger.decode(text);
      return decoded.taskMessage.event.type === "ExecutionStarted"
        ? decoded.taskMessage.event.input
        : undefined;
    }
    return text;
  }

  private async queryInstancesImpl(
    query: InstanceQuery,
    continuationToken: string | undefined,
    options: OperationOptions,
  ): Promise<Page<InstanceRecord>> {
    const page = await this.queryInstanceRows(query, continuationToken, options);
    const items = await Promise.all(
      page.items.map((row) => this.completeRecord(row, query.fetchPayloads ?? true, options)),
    );
    return { items, continuationToken: page.continuationToken };
  }

  /** One page of Instances rows; none when the table does not exist. Throws `InvalidArgument` for a bad token. */
  private queryInstanceRows(
    query: InstanceQuery,
    continuationToken: string | undefined,
    options: OperationOptions,
  ): ReturnType<InstancesTable["query"]> {
    return orEmptyIfMissing(() => this.instances.query(query, continuationToken, options), {
      items: [],
      continuationToken: undefined,
    });
  }

  /** Delete the instance's blobs, history rows and Instances row. Creates nothing: a missing hub has nothing to purge. */
  private async purgeInstanceImpl(instanceId: string, options: OperationOptions): Promise<PurgeResult> {
    const row = await this.instances.get(instanceId, options);
    if (!row) return { deletedInstanceCount: 0 };
    await Promise.all([
      this.payloads.deleteByPrefix(instanceId, options),
      this.payloads.deleteByPrefix(`${escapePartitionKey(instanceId)}/`, options),
      this.history.deleteAll(instanceId, options),
    ]);
    return { deletedInstanceCount: (await this.instances.delete(instanceId, options)) ? 1 : 0 };
  }

  private async purgeInstancesImpl(filter: PurgeFilter, options: OperationOptions): Promise<PurgeResult> {
    const statuses = (filter.statuses ?? TERMINAL_STATUSES).filter((s) => isTerminalStatus(s));
    // TaskHubClient refuses unfinished statuses; should one reach here, an emptied list purges nothing (DT.AS
    // would apply no status condition and purge running instances too).
    if (statuses.length === 0) return { deletedInstanceCount: 0 };
    let deleted = 0;
    let token: string | undefined;
    const limit = pLimit(8);
    do {
      const page = await this.queryInstanceRows(
        {
          createdFrom: filter.createdFrom,
          createdTo: filter.createdTo,
          statuses,
          fetchPayloads: false,
          maxPageSize: 100,
        },
        token,
        options,
      );
      const results = await Promise.all(
        page.items.map((row) => limit(() => this.purgeInstanceImpl(row.record.instanceId, options))),
      );
      deleted += results.reduce((n, r) => n + r.deletedInstanceCount, 0);
      token = page.continuationToken;
    } while (token);
    return { deletedInstanceCount: deleted };
  }
}
