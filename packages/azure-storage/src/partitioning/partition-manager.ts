/**
 * Which control queues (partitions) this worker listens on. The provider asks the manager and is told when
 * a partition is gained or lost; holding a partition and polling its queue are one state. The lease-based
 * managers (blob intent/ownership leases, the Partitions table) implement this seam in the scale-out issue.
 */
export interface PartitionListener {
  onPartitionGained(partition: number): void;
  /** Stop dequeuing at once; drop prefetched messages and cached sessions of the partition. */
  onPartitionLost(partition: number): void;
  /** Work items of the partition still being processed (an owner keeps its lease until they are done). */
  inFlight?(partition: number): number;
}

export interface PartitionManager {
  start(listener: PartitionListener): Promise<void>;
  /** Release every partition (graceful shutdown), calling `onPartitionLost` for each. */
  stop(): Promise<void>;
  ownedPartitions(): readonly number[];
}

/** One worker listens on every control queue (no leases): enough for a single worker process. */
export class AllPartitionsManager implements PartitionManager {
  private owned: number[] = [];
  private listener: PartitionListener | undefined;

  constructor(private readonly partitionCount: number) {}

  async start(listener: PartitionListener): Promise<void> {
    this.listener = listener;
    this.owned = Array.from({ length: this.partitionCount }, (_, i) => i);
    for (const p of this.owned) listener.onPartitionGained(p);
  }

  async stop(): Promise<void> {
    const owned = this.owned;
    this.owned = [];
    for (const p of owned) this.listener?.onPartitionLost(p);
  }

  ownedPartitions(): readonly number[] {
    return this.owned;
  }
}
