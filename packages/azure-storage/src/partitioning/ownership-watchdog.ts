/**
 * Holding a partition and polling its control queue are one state. Every few seconds the watchdog compares
 * the partition manager's view with the pollers'; where they disagree (DTF's "owned but not listened" bug, or
 * the reverse) it says so and repairs it.
 */
import { logEvent, type Logger } from "@taskhub/core";
import type { ControlQueuePollers } from "../messaging/control-queue.js";
import type { PartitionManager } from "./partition-manager.js";

const CHECK_INTERVAL_MS = 5000;

export class OwnershipWatchdog {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly partitionManager: PartitionManager,
    private readonly controlQueues: ControlQueuePollers,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One comparison; the partitions it repaired. */
  check(): { repaired: number[] } {
    const repaired: number[] = [];
    const owned = new Set(this.partitionManager.ownedPartitions());
    for (const p of owned) {
      if (this.controlQueues.has(p)) continue;
      logEvent(
        this.logger,
        "partition.ownedNotPolled",
        { partition: p },
        "partition owned but not polled; starting its poller",
      );
      this.controlQueues.startPolling(p);
      repaired.push(p);
    }
    for (const p of this.controlQueues.partitions()) {
      if (owned.has(p)) continue;
      logEvent(
        this.logger,
        "partition.polledNotOwned",
        { partition: p },
        "partition polled but not owned; stopping its poller",
      );
      this.controlQueues.stopPolling(p);
      repaired.push(p);
    }
    return { repaired };
  }
}
