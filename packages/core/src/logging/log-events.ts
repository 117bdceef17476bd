/**
 * The catalogue of log events: every structured line taskhub's packages log carries one of these names in its
 * `event` field, at the level given here, with the fields given here. Lines are written through `logEvent`
 * (log-event.ts), which takes its level from this catalogue and its field names from the entry's type, so an
 * event missing here, or a field missing from its entry, fails to compile. docs/log-events.md is generated
 * from this file (`pnpm --filter @taskhub/core run docs:log-events`); a test fails when they disagree.
 *
 * Over 400 lines on purpose: it is a table (one entry per event, grouped by the package that writes it), and one
 * file is what makes the catalogue one place to read and one type to check against.
 *
 * Names are `area.whatHappened`. `fields` are passed at the emit site; `context` fields come from the
 * logger the line is written through (a child logger's bindings).
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogEventSpec {
  readonly level: LogLevel;
  /** One line: what happened, and what (if anything) the reader should do about it. */
  readonly description: string;
  /** The fields passed at the emit site: name → meaning. */
  readonly fields: Readonly<Record<string, string>>;
  /** Fields bound by the logger the line goes through (name → meaning), present on every line of the event. */
  readonly context?: Readonly<Record<string, string>>;
}

const ERR = "the error";
const PARTITION_QUEUE = "the control queue's name (`<hub>-control-NN`)";
const PARTITION_INDEX = "the partition's index (0-based)";
const DISPATCHER = 'which dispatcher: "orchestrations" or "activities"';
const QUEUE = "the queue the message is on";
const MESSAGE_ID = "the queue message's id";

/** Bound by the Azure Storage provider on every line it writes. */
const PROVIDER = {
  workerId: "this worker's id (the lease owner name)",
  taskHub: "the task hub's name",
} as const;
/** Bound by the worker on the lines of one orchestration step. */
const STEP = { instanceId: "the orchestration or entity instance" } as const;
/** Bound by the worker on the lines of one activity execution. */
const ACTIVITY = {
  instanceId: "the orchestration that scheduled the activity",
  activity: "the activity's name",
  taskId: "the TaskScheduled event's id",
} as const;

/** Written by `@taskhub/core` (the worker and its dispatchers). */
const CORE_EVENTS = {
  "worker.started": {
    level: "info",
    description: "The worker started its dispatchers; work items are being fetched.",
    fields: {},
  },
  "worker.stopped": {
    level: "info",
    description: "The worker drained its dispatchers and stopped the backend.",
    fields: {},
  },
  "orchestration.messageDiscarded": {
    level: "warn",
    description:
      "A message of a work item was not applied (a duplicate, a message for another execution, for a finished or an unknown instance); it is consumed with the step.",
    fields: { eventType: "the history event type the message carried", reason: "why it was discarded" },
    context: STEP,
  },
  "orchestration.checkpoint": {
    level: "debug",
    description: "An orchestration or entity step was executed and its checkpoint committed.",
    fields: {
      executionId: "the execution the step belongs to",
      status: "the runtime status after the step",
      newEvents: "how many history events the step appended",
    },
    context: STEP,
  },
  "orchestration.abandoned": {
    level: "warn",
    description:
      "Executing or committing an orchestration step failed; the work item is abandoned and its messages come back after a delay.",
    fields: {
      err: ERR,
      delayMs: "how long the messages stay invisible before redelivery",
      dequeueCount: "how many times the messages have been delivered",
    },
    context: STEP,
  },
  "orchestration.versionRejected": {
    level: "warn",
    description:
      "A work item's instance has a version this worker does not run (versionMatchStrategy, versionFailureStrategy Reject): it is left for another worker, with back-off, and the delivery does not count toward maxDequeueCount.",
    fields: {
      instanceVersion: "the instance's version",
      workerVersion: "this worker's version",
      matchStrategy: "the match strategy that refused it (Strict or CurrentOrOlder)",
      delayMs: "how long it stays invisible before it comes back",
    },
    context: STEP,
  },
  "activity.failed": {
    level: "debug",
    description:
      "An activity threw; the failure is reported to the orchestration (TaskFailed), which decides.",
    fields: { err: ERR },
    context: ACTIVITY,
  },
  "workItem.renewFailed": {
    level: "warn",
    description:
      "Renewing the lock of an orchestration step or an activity while it runs failed; unless a later renewal succeeds, its messages may be delivered again (to this or another worker) before it is done.",
    fields: {
      kind: "orchestration or activity",
      err: ERR,
      lockedUntil: "when the lock ends unless renewed (ISO time)",
    },
    context: STEP,
  },
  "activity.completeFailed": {
    level: "warn",
    description:
      "Sending an activity's result failed; the work item is abandoned and the activity will run again.",
    fields: { err: ERR },
    context: ACTIVITY,
  },
  "dispatcher.drainTimeout": {
    level: "warn",
    description:
      "Stopping: work items still in flight after the drain timeout are cancelled and abandoned (they run again elsewhere).",
    fields: { dispatcher: DISPATCHER, inFlight: "how many work items were still in flight" },
  },
  "dispatcher.fetchFailed": {
    level: "warn",
    description: "Fetching a work item from the backend failed; the dispatcher retries after a back-off.",
    fields: { dispatcher: DISPATCHER, err: ERR, backoffMs: "the wait before the next fetch" },
  },
  "dispatcher.processFailed": {
    level: "error",
    description:
      "Processing a work item threw past the worker's own handling (a bug); the work item is left to the expiry of its lock.",
    fields: { dispatcher: DISPATCHER, err: ERR },
  },
} as const satisfies Record<string, LogEventSpec>;

/** Written by `@taskhub/azure-storage` (the Azure Storage provider). */
const AZURE_STORAGE_EVENTS = {
  "service.started": {
    level: "info",
    description: "The Azure Storage provider started: the hub exists, partition management runs.",
    fields: { partitions: "the partitions (indexes) owned at start" },
    context: PROVIDER,
  },
  "partition.acquired": {
    level: "info",
    description: "This worker now owns a partition and polls its control queue.",
    fields: { partition: PARTITION_QUEUE },
    context: PROVIDER,
  },
  "partition.released": {
    level: "info",
    description:
      "This worker stopped polling a partition (hand-over, lost lease or stop); work in flight finishes.",
    fields: { partition: PARTITION_QUEUE, reason: "why the partition was released" },
    context: PROVIDER,
  },
  "partition.ownedNotPolled": {
    level: "error",
    description:
      "The ownership watchdog found a partition owned but not polled (a bug); it starts the poller.",
    fields: { partition: PARTITION_INDEX },
    context: PROVIDER,
  },
  "partition.polledNotOwned": {
    level: "error",
    description:
      "The ownership watchdog found a partition polled but not owned (a bug); it stops the poller.",
    fields: { partition: PARTITION_INDEX },
    context: PROVIDER,
  },
  "lease.roundFailed": {
    level: "warn",
    description: "A round of the table partition manager failed (storage error); the next comes sooner.",
    fields: { err: ERR },
    context: PROVIDER,
  },
  "lease.loopFailed": {
    level: "warn",
    description: "A pass of the blob lease manager's loop failed (storage error); the next pass retries.",
    fields: { err: ERR },
    context: PROVIDER,
  },
  "lease.intentAcquired": {
    level: "info",
    description: "The blob lease manager took an intent lease (the first step of acquiring a partition).",
    fields: {
      partition: PARTITION_QUEUE,
      stolenFrom: "the previous owner when the lease was stolen, else absent",
    },
    context: PROVIDER,
  },
  "lease.ownershipAcquired": {
    level: "info",
    description: "The blob lease manager took an ownership lease; the partition is acquired next.",
    fields: {
      partition: PARTITION_QUEUE,
      stolenFrom: "the previous owner when the lease was stolen, else absent",
    },
    context: PROVIDER,
  },
  "lease.intentLost": {
    level: "warn",
    description: "Renewing an intent lease failed; another worker may take the partition.",
    fields: { partition: PARTITION_QUEUE, err: ERR },
    context: PROVIDER,
  },
  "lease.ownershipLost": {
    level: "warn",
    description: "Renewing an ownership lease failed; the partition is released.",
    fields: { partition: PARTITION_QUEUE, err: ERR },
    context: PROVIDER,
  },
  "lease.intentReleaseFailed": {
    level: "warn",
    description: "Releasing an intent lease failed; it expires by itself.",
    fields: { partition: PARTITION_QUEUE, err: ERR },
    context: PROVIDER,
  },
  "lease.ownershipReleaseFailed": {
    level: "warn",
    description: "Releasing an ownership lease failed; it expires by itself.",
    fields: { partition: PARTITION_QUEUE, err: ERR },
    context: PROVIDER,
  },
  "controlQueue.receiveFailed": {
    level: "warn",
    description: "Receiving from a control queue failed; the poller backs off and retries.",
    fields: { partition: PARTITION_INDEX, err: ERR },
    context: PROVIDER,
  },
  "orchestration.prepareFailed": {
    level: "warn",
    description:
      "Building an orchestration work item (reading history and the Instances row) failed; its messages are abandoned and redelivered.",
    fields: { instanceId: "the orchestration instance", err: ERR },
    context: PROVIDER,
  },
  "orchestration.redeliveryDropped": {
    level: "info",
    description: "Messages already applied by an earlier checkpoint were delivered again; they are deleted.",
    fields: { instanceId: "the orchestration instance", messages: "how many messages were deleted" },
    context: PROVIDER,
  },
  "orchestration.startDropped": {
    level: "info",
    description:
      "A start message was deleted without running: its execution is not the one the Instances row holds (a duplicate or superseded start).",
    fields: { instanceId: "the orchestration instance", reason: "why the start was dropped" },
    context: PROVIDER,
  },
  "instance.repaired": {
    level: "warn",
    description:
      "An Instances row that disagreed with the history (a crash between the history append and the row write) was rewritten from history.",
    fields: { instanceId: "the orchestration instance", status: "the runtime status written" },
    context: PROVIDER,
  },
  "instance.rowWriteSuperseded": {
    level: "info",
    description:
      "A checkpoint's Instances write found the row changed and the history already holds a newer step, whose own write owns the row; this one is dropped.",
    fields: { instanceId: "the orchestration instance" },
    context: PROVIDER,
  },
  "activity.localResultNotSent": {
    level: "warn",
    description:
      "The result of an activity run on this worker could not be sent to its orchestration; the activity's message is given back and it runs again.",
    fields: { instanceId: "the orchestration the result is for", err: ERR },
    context: PROVIDER,
  },
  "message.undecodable": {
    level: "warn",
    description:
      "A queue message could not be decoded; it is given back, and quarantined once its dequeue count reaches the limit.",
    fields: {
      queue: QUEUE,
      messageId: MESSAGE_ID,
      dequeueCount: "how many times it has been delivered",
      reason: "what could not be decoded",
    },
    context: PROVIDER,
  },
  "message.quarantined": {
    level: "error",
    description:
      "A message that cannot be processed was moved to the poison store and deleted from its queue.",
    fields: { queue: QUEUE, messageId: MESSAGE_ID, reason: "why it was quarantined" },
    context: PROVIDER,
  },
  "message.deleteFailed": {
    level: "warn",
    description:
      "Deleting a queue message failed (other than it being gone already); it will be delivered again.",
    fields: { queue: QUEUE, messageId: MESSAGE_ID, err: ERR },
    context: PROVIDER,
  },
  "message.abandonFailed": {
    level: "warn",
    description:
      "Giving a queue message back (visibility update) failed; it reappears when its visibility timeout ends.",
    fields: { queue: QUEUE, messageId: MESSAGE_ID, err: ERR },
    context: PROVIDER,
  },
  "message.renewFailed": {
    level: "warn",
    description:
      "Extending a queue message's visibility (renewing a work item's lock) failed; it may be delivered again while its step or activity runs.",
    fields: { queue: QUEUE, messageId: MESSAGE_ID, err: ERR },
    context: PROVIDER,
  },
} as const satisfies Record<string, LogEventSpec>;

/** Written by `@taskhub/host` (the `taskhub` host and CLI). */
const HOST_EVENTS = {
  "host.embeddedAzurite": {
    level: "warn",
    description:
      "No storage was configured, or UseDevelopmentStorage=true and no emulator listened on its default ports: the host started an embedded in-memory Azurite (development only; data is lost on exit).",
    fields: {
      queueEndpoint: "Azurite's queue endpoint",
      tableEndpoint: "Azurite's table endpoint",
      blobEndpoint: "Azurite's blob endpoint",
      azuritePid: "the Azurite process id",
      supervisorPid: "the id of the process that stops Azurite if the host dies",
    },
  },
  "host.developmentStorage": {
    level: "info",
    description:
      "The storage connection is UseDevelopmentStorage=true and a storage emulator already listens on its default ports: the host connects to it and starts none.",
    fields: { ports: "the emulator's blob, queue and table ports" },
  },
  "host.started": {
    level: "info",
    description: "The host is ready: the worker runs and the HTTP server listens.",
    fields: {
      taskHub: "the task hub's name",
      url: "the HTTP server's base URL",
      managementApi: "the base URL of the management API",
      workerId: "the worker's id",
    },
  },
  "host.telemetryStarted": {
    level: "info",
    description:
      "The `OTEL_*` variables switched OpenTelemetry on: the host started the Node SDK with these exporters (`prometheus`: served at `/metrics`).",
    fields: {
      traces: "the span exporters (otlp, console, zipkin); empty: no traces",
      metrics: "the metric exporters (otlp, console, prometheus); empty: no metrics",
    },
  },
  "host.telemetryFlushFailed": {
    level: "warn",
    description:
      "Flushing the OpenTelemetry SDK when the host stopped failed (e.g. the collector was unreachable): spans or metrics not yet exported were lost.",
    fields: { err: ERR },
  },
  "host.readyzFailed": {
    level: "debug",
    description: "The readiness probe (`/readyz`) could not reach storage; it answered 503.",
    fields: { err: ERR },
  },
  "host.signal": {
    level: "info",
    description: "A stop signal arrived; the host stops gracefully.",
    fields: { signal: "the signal (SIGINT, SIGTERM)" },
  },
  "host.forcedExit": {
    level: "warn",
    description: "A second stop signal arrived; the process exits without draining.",
    fields: { signal: "the signal (SIGINT, SIGTERM)" },
  },
  "host.stopping": {
    level: "info",
    description: "The host drains in-flight work and releases its partitions.",
    fields: {},
  },
  "host.stopped": {
    level: "info",
    description: "The host stopped: work drained, partitions released, server closed.",
    fields: {},
  },
  "host.stopFailed": {
    level: "error",
    description: "Stopping the host after a signal failed; the process exits with code 1.",
    fields: { err: ERR },
  },
  "host.startCleanupFailed": {
    level: "warn",
    description: "After a failed start, cleaning up a part failed; the start's own error is the one thrown.",
    fields: { what: "the cleanup step that failed", err: ERR },
  },
  "http.handlerFailed": {
    level: "error",
    description: "An HTTP request's handler threw; the request was answered 500.",
    fields: { method: "the request's method", path: "the request's path (without the query)", err: ERR },
  },
  "app.settingIgnored": {
    level: "warn",
    description:
      "A setting of the app folder's host.json that taskhub does not use (named once at start, never silently dropped).",
    fields: { file: "the host.json file", setting: "the setting's path, e.g. `extensions.queues`" },
  },
  "app.bindingNotHosted": {
    level: "warn",
    description:
      "A function of the app folder has a trigger taskhub does not run (the function is not loaded) or a binding it does not fill (`--strict` refuses to start instead).",
    fields: { file: "the function's function.json", function: "the function's name" },
  },
  "functions.httpFunction": {
    level: "info",
    description:
      "An HTTP function the app registered through `@azure/functions` v4 is served (one line per function at start).",
    fields: {
      functionName: "the function's name",
      methods: "the HTTP methods it answers (`*`: any)",
      route: "its path under the host, route prefix included",
      authLevel: "anonymous, function or admin",
    },
  },
  "functions.triggerNotHosted": {
    level: "warn",
    description:
      "A function the app registered through `@azure/functions` has a trigger taskhub does not run (timer, queue, ...): it is not served.",
    fields: { functionName: "the function's name", trigger: "its trigger type" },
  },
  "functions.bindingNotHosted": {
    level: "warn",
    description:
      "An HTTP function declares an input or output binding taskhub does not provide: it gets nothing there.",
    fields: {
      functionName: "the function's name",
      binding: "the binding's name",
      type: "the binding's type",
      direction: "in or out",
    },
  },
  "functions.invocationFailed": {
    level: "error",
    description: "An app's HTTP function threw; the request was answered 500.",
    fields: {
      functionName: "the function's name",
      method: "the request's method",
      path: "the request's path (without the query)",
      err: ERR,
    },
  },
  "functions.appTerminateFailed": {
    level: "warn",
    description: "An `appTerminate` hook of the app threw while the host stopped; the host stops anyway.",
    fields: { err: ERR },
  },
} as const satisfies Record<string, LogEventSpec>;

export const LOG_EVENTS = { ...CORE_EVENTS, ...AZURE_STORAGE_EVENTS, ...HOST_EVENTS };

/** The catalogue by the package that writes the events (the order of docs/log-events.md). */
export const LOG_EVENT_GROUPS: readonly {
  readonly title: string;
  readonly events: Readonly<Record<string, LogEventSpec>>;
}[] = [
  { title: "Worker (`@taskhub/core`)", events: CORE_EVENTS },
  { title: "Azure Storage provider (`@taskhub/azure-storage`)", events: AZURE_STORAGE_EVENTS },
  { title: "Host (`@taskhub/host`)", events: HOST_EVENTS },
];

export type LogEventName = keyof typeof LOG_EVENTS;

type FieldsOf<F> = { [K in keyof F]: unknown };

/** The fields an emit site passes for `N`: exactly the entry's field names. */
export type LogEventFields<N extends LogEventName> = FieldsOf<(typeof LOG_EVENTS)[N]["fields"]>;

/** The catalogue's names, in catalogue order. */
export const LOG_EVENT_NAMES = Object.keys(LOG_EVENTS) as LogEventName[];
