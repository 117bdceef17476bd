/**
 * Crash-point hooks for tests, passed as `testHooks` in the provider's settings; production code passes none.
 * The checkpoint awaits each hook between two of its steps; a hook that throws simulates a crash there (the
 * work item fails and is abandoned), one that kills the process simulates a worker dying there. The object is
 * read at every checkpoint, so a test may set or clear a hook while the worker runs.
 */
import type { OrchestrationCommit, OrchestrationWorkItem } from "@taskhub/core";

export type CheckpointTestHook = (wi: OrchestrationWorkItem, commit: OrchestrationCommit) => Promise<void>;

export interface CheckpointTestHooks {
  /** After the step's messages were sent, before its history is appended. */
  beforeHistoryWrite?: CheckpointTestHook | undefined;
  /** After the history append, before the Instances row is written. */
  beforeInstanceWrite?: CheckpointTestHook | undefined;
  /** After the Instances write, before the consumed messages are deleted. */
  beforeMessageDelete?: CheckpointTestHook | undefined;
}
