/**
 * DTF's split-brain-resistant blob lease manager (DT.AS `SafePartitionManager`; blobs in
 * docs/storage-layout.md#blob-leases):
 * - intent leases `<hub>-leases/intent/<queue>` are balanced across workers, with stealing;
 * - ownership leases `<hub>-leases/ownership/<queue>` are taken only when expired (never stolen), only for
 *   partitions whose intent lease this worker holds, and renewed while it holds the intent or still has work of
 *   that partition in flight. So a stealer owns a partition only after the old owner drained and let go.
 * Lease blob content: `{"PartitionId","Owner","Token","Epoch"}` (Token = current lease id, which is how a
 * stealer changes a lease it does not hold). `taskhub.json` records hub name, creation time, partition count.
 * Azure blob leases last 15–60 s.
 */
import { randomUUID } from "node:crypto";
import type { BlobClient, ContainerClient } from "@azure/storage-blob";
import { silentLogger, sleep, type Logger } from "@taskhub/core";
import { logEvent } from "@taskhub/core";
import { MetricAttr } from "@taskhub/core";
import { providerInstruments } from "../metrics/instruments.js";
import { isNotFound, isWriteConflict } from "../storage/errors.js";
import type { PartitionListener, PartitionManager } from "./partition-manager.js";

export interface LeaseTimings {
  leaseIntervalMs: number;
  renewIntervalMs: number;
  acquireIntervalMs: number;
}

export interface BlobPartitionManagerOptions {
  container: ContainerClient;
  taskHubName: string;
  controlQueues: string[];
  workerId: string;
  /** DTF: 30 s lease, 10 s renew, 10 s acquire. */
  intent?: Partial<LeaseTimings>;
  /** DTF: 15 s lease, 10 s renew, 5 s acquire. */
  ownership?: Partial<LeaseTimings>;
  logger?: Logger;
}

interface LeaseContent {
  PartitionId: string;
  Owner: string | null;
  Token: string | null;
  Epoch: number;
}

interface LeaseView {
  content: LeaseContent;
  leased: boolean;
}

interface HeldLease {
  leaseId: string;
  epoch: number;
}

function timings(given: Partial<LeaseTimings> | undefined, defaults: LeaseTimings): LeaseTimings {
  const t = { ...defaults, ...given };
  const seconds = t.leaseIntervalMs / 1000;
  if (seconds < 15 || seconds > 60)
    throw new RangeError("blob lease intervals must be between 15 and 60 seconds");
  return t;
}

export class BlobPartitionManager implements PartitionManager {
  private readonly intent: LeaseTimings;
  private readonly ownership: LeaseTimings;
  private readonly logger: Logger;
  private readonly heldIntent = new Map<string, HeldLease>();
  private readonly heldOwnership = new Map<string, HeldLease>();
  private listener: PartitionListener | undefined;
  private controller = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(private readonly o: BlobPartitionManagerOptions) {
    this.intent = timings(o.intent, {
      leaseIntervalMs: 30_000,
      renewIntervalMs: 10_000,
      acquireIntervalMs: 10_000,
    });
    this.ownership = timings(o.ownership, {
      leaseIntervalMs: 15_000,
      renewIntervalMs: 10_000,
      acquireIntervalMs: 5_000,
    });
    this.logger = o.logger ?? silentLogger;
  }

  ownedPartitions(): readonly number[] {
    return [...this.heldOwnership.keys()].map((q) => this.o.controlQueues.indexOf(q)).sort((a, b) => a - b);
  }

  private blob(kind: "intent" | "ownership", queue: string): BlobClient {
    return this.o.container.getBlobClient(`${kind}/${queue}`);
  }

  /** Create the container, `taskhub.json` and one lease blob per queue and kind (create-if-absent). */
  async createLeaseStore(partitionCount: number): Promise<void> {
    await this.o.container.createIfNotExists();
    const info = JSON.stringify({
      TaskHubName: this.o.taskHubName,
      CreatedAt: new Date().toISOString().replace("Z", "0000Z"),
      PartitionCount: partitionCount,
    });
    await this.createIfAbsent("taskhub.json", info);
    await Promise.all(
      this.o.controlQueues.flatMap((q) =>
        (["intent", "ownership"] as const).map((kind) =>
          this.createIfAbsent(
            `${kind}/${q}`,
            JSON.stringify({ PartitionId: q, Owner: null, Token: null, Epoch: 0 }),
          ),
        ),
      ),
    );
  }

  private async createIfAbsent(name: string, content: string): Promise<void> {
    try {
      await this.o.container
        .getBlockBlobClient(name)
        .upload(content, Buffer.byteLength(content), { conditions: { ifNoneMatch: "*" } });
    } catch (err) {
      if (!isWriteConflict(err)) throw err; // the blob exists
    }
  }

  async start(listener: PartitionListener): Promise<void> {
    this.listener = listener;
    await this.createLeaseStore(this.o.controlQueues.length);
    this.controller = new AbortController();
    const signal = this.controller.signal;
    this.loops = [
      this.every(this.intent.acquireIntervalMs, signal, () => this.balanceIntent()),
      this.every(this.intent.renewIntervalMs, signal, () => this.renewAll("intent")),
      this.every(this.ownership.acquireIntervalMs, signal, () => this.acquireOwnership()),
      this.every(this.ownership.renewIntervalMs, signal, () => this.renewAll("ownership")),
    ];
  }

  /** Graceful shutdown: stop listening, then release ownership and intent so others take over at once. */
  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled(this.loops);
    for (const queue of this.heldOwnership.keys()) this.lose(queue, "shutdown");
    await Promise.allSettled([...this.heldOwnership.keys()].map((q) => this.release("ownership", q)));
    await Promise.allSettled([...this.heldIntent.keys()].map((q) => this.release("intent", q)));
  }

  private async every(ms: number, signal: AbortSignal, fn: () => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      try {
        await fn();
      } catch (err) {
        logEvent(this.logger, "lease.loopFailed", { err }, "lease loop failed");
      }
      await sleep(ms, signal);
    }
  }

  private async read(kind: "intent" | "ownership", queue: string): Promise<LeaseView> {
    const res = await this.blob(kind, queue).download();
    const chunks: Buffer[] = [];
    for await (const c of res.readableStreamBody as AsyncIterable<Buffer>) chunks.push(c);
    const content = JSON.parse(Buffer.concat(chunks).toString("utf8")) as LeaseContent;
    return { content, leased: res.leaseState === "leased" };
  }

  private expired(v: LeaseView): boolean {
    return !v.leased || !v.content.Owner;
  }

  /** Intent balancing (DTF's LeaseCollectionBalancer): take expired leases, else steal one from the richest owner. */
  private async balanceIntent(): Promise<void> {
    const views = new Map<string, LeaseView>();
    await Promise.all(this.o.controlQueues.map(async (q) => views.set(q, await this.read("intent", q))));
    const counts = new Map<string, number>([[this.o.workerId, 0]]);
    for (const v of views.values())
      if (!this.expired(v)) counts.set(v.content.Owner!, (counts.get(v.content.Owner!) ?? 0) + 1);
    const total = this.o.controlQueues.length;
    const target = Math.max(1, Math.ceil(total / counts.size));
    const mine = counts.get(this.o.workerId) ?? 0;
    if (mine >= target) return;
    const expired = [...views.entries()].filter(([, v]) => this.expired(v));
    let took = false;
    for (const [q, v] of expired.slice(0, target - mine))
      took = (await this.take("intent", q, v, false)) || took;
    // Intent in hand: try for ownership now rather than at the next ownership round.
    if (took) await this.acquireOwnership();
    if (expired.length >= target - mine) return;
    // Steal one lease from the owner with the most, if it holds more than the target.
    const need = target - mine - expired.length;
    const [richest, count] =
      [...counts.entries()].filter(([w]) => w !== this.o.workerId).sort((a, b) => b[1] - a[1])[0] ?? [];
    if (richest && count !== undefined && count > (need > 1 ? target - 1 : target)) {
      const victim = [...views.entries()].find(([, v]) => v.content.Owner === richest);
      if (victim) await this.take("intent", victim[0], victim[1], true);
    }
  }

  /** Ownership only when expired, only where I hold the intent. */
  private async acquireOwnership(): Promise<void> {
    for (const q of this.heldIntent.keys()) {
      if (this.heldOwnership.has(q)) continue;
      const v = await this.read("ownership", q);
      if (!this.expired(v)) continue;
      if (await this.take("ownership", q, v, false)) {
        logEvent(this.logger, "partition.acquired", { partition: q }, "partition acquired");
        this.listener?.onPartitionGained(this.o.controlQueues.indexOf(q));
      }
    }
  }

  /** Acquire (or, stealing, change) a lease and write our ownership into the blob. */
  private async take(
    kind: "intent" | "ownership",
    queue: string,
    v: LeaseView,
    steal: boolean,
  ): Promise<boolean> {
    const blob = this.blob(kind, queue);
    const leaseId = randomUUID();
    try {
      if (v.leased && steal && v.content.Token)
        await blob.getBlobLeaseClient(v.content.Token).changeLease(leaseId);
      else if (v.leased && !steal) return false;
      else
        await blob
          .getBlobLeaseClient(leaseId)
          .acquireLease(
            Math.round((kind === "intent" ? this.intent : this.ownership).leaseIntervalMs / 1000),
          );
      const content: LeaseContent = {
        PartitionId: queue,
        Owner: this.o.workerId,
        Token: leaseId,
        Epoch: v.content.Epoch + 1,
      };
      const text = JSON.stringify(content);
      await blob.getBlockBlobClient().upload(text, Buffer.byteLength(text), { conditions: { leaseId } });
      (kind === "intent" ? this.heldIntent : this.heldOwnership).set(queue, {
        leaseId,
        epoch: content.Epoch,
      });
      providerInstruments()?.leaseAcquired.add(1, this.leaseAttributes(kind, queue));
      logEvent(
        this.logger,
        `lease.${kind}Acquired`,
        { partition: queue, stolenFrom: steal ? v.content.Owner : undefined },
        `${kind} lease acquired`,
      );
      return true;
    } catch (err) {
      if (isWriteConflict(err)) return false; // someone else got there first
      throw err;
    }
  }

  private async renewAll(kind: "intent" | "ownership"): Promise<void> {
    const held = kind === "intent" ? this.heldIntent : this.heldOwnership;
    for (const [q, lease] of [...held]) {
      const partition = this.o.controlQueues.indexOf(q);
      if (
        kind === "ownership" &&
        !this.heldIntent.has(q) &&
        (this.listener?.inFlight?.(partition) ?? 0) === 0
      ) {
        // Intent moved away and nothing of this partition is in flight: hand the partition over.
        this.lose(q, "intent lost and drained");
        await this.release("ownership", q);
        continue;
      }
      try {
        await this.blob(kind, q).getBlobLeaseClient(lease.leaseId).renewLease();
      } catch (err) {
        held.delete(q);
        providerInstruments()?.leaseLost.add(1, this.leaseAttributes(kind, q));
        logEvent(this.logger, `lease.${kind}Lost`, { partition: q, err }, `${kind} lease lost`);
        if (kind === "ownership") this.lose(q, "renew failed");
      }
    }
  }

  private leaseAttributes(kind: "intent" | "ownership", queue: string): Record<string, string> {
    return {
      [MetricAttr.leaseKind]: kind,
      [MetricAttr.partition]: queue,
      [MetricAttr.workerId]: this.o.workerId,
    };
  }

  /** Tell the provider to stop polling the partition (it keeps finishing what is in flight). */
  private lose(queue: string, reason: string): void {
    logEvent(this.logger, "partition.released", { partition: queue, reason }, "partition released");
    this.listener?.onPartitionLost(this.o.controlQueues.indexOf(queue));
  }

  private async release(kind: "intent" | "ownership", queue: string): Promise<void> {
    const held = kind === "intent" ? this.heldIntent : this.heldOwnership;
    const lease = held.get(queue);
    if (!lease) return;
    held.delete(queue);
    const blob = this.blob(kind, queue);
    const text = JSON.stringify({ PartitionId: queue, Owner: null, Token: null, Epoch: lease.epoch });
    // Best effort: a lease not released expires by itself. One lost already (409/412: another worker has
    // it) or a blob gone (404) is nothing to report.
    const failed = (err: unknown): void => {
      if (!isWriteConflict(err) && !isNotFound(err))
        logEvent(
          this.logger,
          `lease.${kind}ReleaseFailed`,
          { partition: queue, err },
          `${kind} lease not released; it expires by itself`,
        );
    };
    await blob
      .getBlockBlobClient()
      .upload(text, Buffer.byteLength(text), { conditions: { leaseId: lease.leaseId } })
      .catch(failed);
    await blob.getBlobLeaseClient(lease.leaseId).releaseLease().catch(failed);
  }
}
