/**
 * Every setting of the Azure Storage provider, once: its type, its default and the names DTF
 * (`AzureStorageOrchestrationServiceSettings` in DurableTask.AzureStorage) and Durable Functions (`host.json`,
 * `extensions.durableTask.storageProvider`) give it. The host's configuration and the benchmark import the
 * defaults from here instead of repeating them.
 */
import { InvalidArgumentError, type Logger } from "@taskhub/core";
import type { PartitionManager } from "./partitioning/partition-manager.js";
import type { LeaseTimings } from "./partitioning/blob-partition-manager.js";
import type { StorageClients } from "./storage/clients.js";
import type { StorageConnection } from "./storage/connection.js";
import type { RequestCounter } from "./storage/request-counter.js";
import type { CheckpointTestHooks } from "./tracking/checkpoint-test-hooks.js";
import { DEFAULT_PARTITION_COUNT } from "./naming.js";

export interface AzureStorageOrchestrationServiceSettings {
  taskHubName: string;
  /** A connection string / account + credential, or ready-made clients. */
  storage: StorageConnection | StorageClients;
  /** 1–16, default 4; fixed once the hub exists. */
  partitionCount?: number;
  /** Messages fetched per control-queue poll (max 32, default 32). */
  controlQueueBatchSize?: number;
  /** Most control messages buffered by this worker before polling pauses (default 256). */
  controlQueueBufferThreshold?: number;
  controlQueueVisibilityTimeoutMs?: number;
  workItemQueueVisibilityTimeoutMs?: number;
  minPollingIntervalMs?: number;
  /** DF's `maxQueuePollingInterval` (default 30 s). */
  maxPollingIntervalMs?: number;
  /**
   * How much longer each wait between two polls of an empty control queue is than the one before (default
   * 1.25; more than 1, at most 4), from `minPollingIntervalMs` up to `maxPollingIntervalMs`, each queue on its
   * own. taskhub's own: DT.AS doubles it. Growing more slowly keeps a queue that had a message a few seconds
   * ago quick to pick up the next one from another process, at a few more polls in the minutes after work.
   */
  pollingBackoffFactor?: number;
  /**
   * A worker that does not poll every control queue (so other workers run orchestrations, and may leave
   * activities on the shared work-item queue that they cannot start themselves) polls the work-item queue
   * at least this often while it has done work in the last `workItemPollingLingerMs`, whatever its back-off
   * (default 1 s; 0: the back-off alone). A worker polling every control queue is woken by its own sends.
   */
  busyWorkItemPollingIntervalMs?: number;
  /** The same when it has done no work for `workItemPollingLingerMs` (default 2 s; 0: the back-off alone). */
  idleWorkItemPollingIntervalMs?: number;
  /** How long after it last ran a step or an activity, or received a work item, a worker counts as busy (default 60 s). */
  workItemPollingLingerMs?: number;
  /** Deliveries after which a message that still cannot be processed goes to the poison store (default 10). */
  maxDequeueCount?: number;
  /** Keep each instance's history in memory after a checkpoint (DTF's extended sessions; default true). */
  extendedSessions?: boolean;
  /**
   * An activity result for an instance on a partition this worker owns goes straight to the instance's next
   * step instead of through its control queue; the work-item message is deleted with that step's other
   * messages, after its checkpoint (default true; false: DTF's path, result sent to the control queue).
   * Saves two queue requests and a poll per activity; a crash before the checkpoint runs the activity again.
   */
  localActivityResults?: boolean;
  /**
   * Activities a step schedules run on this worker first, as many as it expects to start within a second (by
   * its concurrency and its activities' average duration, at most 256 waiting): the work-item message is sent invisible for the work-item
   * visibility timeout and handed to this worker's dispatcher without a receive; other workers get it only if
   * this one dies before deleting it, or gives it back. Saves a receive and the polling delay per activity,
   * and with several workers keeps activity results local (default true; false: DTF's path).
   */
  localActivityDispatch?: boolean;
  sessionIdleTimeoutMs?: number;
  /** Timers longer than this are chained (Azure queues cannot delay a message 7 days; default 6 days). */
  maxTimerIntervalMs?: number;
  /**
   * How partitions are shared between workers: `"table"` (default, as in the Durable Functions extension v3:
   * DTF's `<hub>Partitions` table), `"blob"` (DTF's intent/ownership blob leases), `"all"` (no leases: one worker listens on every queue), or a
   * custom `PartitionManager`.
   */
  partitionManagement?: "blob" | "table" | "all" | PartitionManager;
  /** Blob manager timings (ms). Azure blob leases last 15–60 s. */
  intentLease?: Partial<LeaseTimings>;
  ownershipLease?: Partial<LeaseTimings>;
  /** Table manager timings (ms): claim lifetime (DTF: 1 min) and round interval (DTF: 10 s). */
  tableLease?: { leaseIntervalMs?: number; acquireIntervalMs?: number };
  workerId?: string;
  logger?: Logger;
  /** Counts storage requests; one is created when omitted (see `requestCounter`). */
  requestCounter?: RequestCounter;
  /** Crash-point tests only: awaited between the checkpoint's steps (see `CheckpointTestHooks`). */
  testHooks?: CheckpointTestHooks;
}

const DAY = 24 * 3600_000;

/** A setting's default, and its name in DTF's settings class and in Durable Functions' host.json (if any). */
interface SettingInfo<T> {
  readonly default: T;
  readonly dtf?: string;
  readonly df?: string;
}

/**
 * The tunable settings with a default. Names are DT.AS's `AzureStorageOrchestrationServiceSettings` property
 * and DF's host.json `durableTask` / `storageProvider` property; taskhub's own additions have neither.
 */
export const SETTINGS = {
  partitionCount: { default: DEFAULT_PARTITION_COUNT, dtf: "PartitionCount", df: "partitionCount" },
  controlQueueBatchSize: { default: 32, dtf: "ControlQueueBatchSize", df: "controlQueueBatchSize" },
  controlQueueBufferThreshold: {
    default: 256,
    dtf: "ControlQueueBufferThreshold",
    df: "controlQueueBufferThreshold",
  },
  controlQueueVisibilityTimeoutMs: {
    default: 5 * 60_000,
    dtf: "ControlQueueVisibilityTimeout",
    df: "controlQueueVisibilityTimeout",
  },
  workItemQueueVisibilityTimeoutMs: {
    default: 5 * 60_000,
    dtf: "WorkItemQueueVisibilityTimeout",
    df: "workItemQueueVisibilityTimeout",
  },
  minPollingIntervalMs: { default: 50 },
  maxPollingIntervalMs: { default: 30_000, dtf: "MaxQueuePollingInterval", df: "maxQueuePollingInterval" },
  pollingBackoffFactor: { default: 1.25 },
  busyWorkItemPollingIntervalMs: { default: 1000 },
  idleWorkItemPollingIntervalMs: { default: 2000 },
  workItemPollingLingerMs: { default: 60_000 },
  maxDequeueCount: { default: 10 },
  extendedSessions: { default: true, dtf: "ExtendedSessionsEnabled", df: "extendedSessionsEnabled" },
  localActivityResults: { default: true },
  localActivityDispatch: { default: true },
  sessionIdleTimeoutMs: {
    default: 30_000,
    dtf: "ExtendedSessionIdleTimeout",
    df: "extendedSessionIdleTimeoutInSeconds",
  },
  maxTimerIntervalMs: { default: 6 * DAY },
  partitionManagement: {
    default: "table",
    dtf: "UseTablePartitionManagement",
    df: "useTablePartitionManagement",
  },
} as const satisfies Record<string, SettingInfo<unknown>>;

/** The defaults alone, e.g. `SETTING_DEFAULTS.maxPollingIntervalMs`. */
export const SETTING_DEFAULTS: { readonly [K in keyof typeof SETTINGS]: (typeof SETTINGS)[K]["default"] } =
  Object.fromEntries(Object.entries(SETTINGS).map(([name, info]) => [name, info.default])) as never;

/** The settings the provider's parts read, every default applied. */
export type ResolvedSettings = Required<
  Omit<
    AzureStorageOrchestrationServiceSettings,
    | "storage"
    | "partitionManagement"
    | "logger"
    | "requestCounter"
    | "workerId"
    | "taskHubName"
    | "partitionCount"
    | "intentLease"
    | "ownershipLease"
    | "tableLease"
    | "testHooks"
  >
>;

export function resolveSettings(settings: AzureStorageOrchestrationServiceSettings): ResolvedSettings {
  const d = SETTING_DEFAULTS;
  return {
    controlQueueBatchSize: Math.min(settings.controlQueueBatchSize ?? d.controlQueueBatchSize, 32),
    controlQueueBufferThreshold: settings.controlQueueBufferThreshold ?? d.controlQueueBufferThreshold,
    controlQueueVisibilityTimeoutMs:
      settings.controlQueueVisibilityTimeoutMs ?? d.controlQueueVisibilityTimeoutMs,
    workItemQueueVisibilityTimeoutMs:
      settings.workItemQueueVisibilityTimeoutMs ?? d.workItemQueueVisibilityTimeoutMs,
    minPollingIntervalMs: settings.minPollingIntervalMs ?? d.minPollingIntervalMs,
    maxPollingIntervalMs: settings.maxPollingIntervalMs ?? d.maxPollingIntervalMs,
    pollingBackoffFactor: backoffFactor(settings.pollingBackoffFactor ?? d.pollingBackoffFactor),
    busyWorkItemPollingIntervalMs: duration(
      "busyWorkItemPollingIntervalMs",
      settings.busyWorkItemPollingIntervalMs ?? d.busyWorkItemPollingIntervalMs,
    ),
    idleWorkItemPollingIntervalMs: duration(
      "idleWorkItemPollingIntervalMs",
      settings.idleWorkItemPollingIntervalMs ?? d.idleWorkItemPollingIntervalMs,
    ),
    workItemPollingLingerMs: duration(
      "workItemPollingLingerMs",
      settings.workItemPollingLingerMs ?? d.workItemPollingLingerMs,
    ),
    maxDequeueCount: settings.maxDequeueCount ?? d.maxDequeueCount,
    extendedSessions: settings.extendedSessions ?? d.extendedSessions,
    localActivityResults: settings.localActivityResults ?? d.localActivityResults,
    localActivityDispatch: settings.localActivityDispatch ?? d.localActivityDispatch,
    sessionIdleTimeoutMs: settings.sessionIdleTimeoutMs ?? d.sessionIdleTimeoutMs,
    maxTimerIntervalMs: settings.maxTimerIntervalMs ?? d.maxTimerIntervalMs,
  };
}

/** A duration setting: a finite number of milliseconds, 0 or more. */
function duration(name: string, ms: number): number {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0)
    throw new InvalidArgumentError(`${name} must be a number of milliseconds, 0 or more (got ${String(ms)})`);
  return ms;
}

/** Whether `factor` can be the back-off's growth per empty poll: more than 1 (else it never backs off), at most 4. */
export function isPollingBackoffFactor(factor: unknown): factor is number {
  return typeof factor === "number" && Number.isFinite(factor) && factor > 1 && factor <= 4;
}

function backoffFactor(factor: number): number {
  if (!isPollingBackoffFactor(factor))
    throw new InvalidArgumentError(
      `pollingBackoffFactor must be a number more than 1 and at most 4 (got ${String(factor)})`,
    );
  return factor;
}
