/**
 * DTF's table partition manager (DT.AS `TablePartitionManager`, Durable Functions 3.x's default; rows in
 * docs/storage-layout.md#partitions-table): one `<hub>Partitions` row per control
 * queue (PartitionKey "", RowKey = queue name) with CurrentOwner, NextOwner, OwnedSince, LastRenewal,
 * ExpiresAt, IsDraining. Every write is a full Replace with If-Match, so two workers never both believe they
 * won a row. Each round reads all rows, then per row: renew mine (or start draining when someone asked for it,
 * and release it once drained), claim free, expired or handed-over rows up to the target, and ask an owner
 * above the target to hand one over (NextOwner = me).
 *
 * A row released to its NextOwner stays reserved for it for one lease interval (ExpiresAt); after that anyone
 * may claim it, as DTF's "now >= ExpiresAt" rule says. Otherwise a stealer that died between asking and
 * claiming (a SIGKILLed worker) left the row unowned with NextOwner naming a dead worker, and nobody ever
 * listened on that control queue again.
 */
import type { TableClient } from "@azure/data-tables";
import { silentLogger, sleep, type Logger } from "@taskhub/core";
import { logEvent } from "@taskhub/core";
import { MetricAttr } from "@taskhub/core";
import { providerInstruments } from "../metrics/instruments.js";
import { isConflict, isPreconditionFailed } from "../storage/errors.js";
import { rawValue } from "../tracking/history-row.js";
import type { PartitionListener, PartitionManager } from "./partition-manager.js";

export interface TablePartitionManagerOptions {
  table: TableClient;
  controlQueues: string[];
  workerId: string;
  /** How long a claim lasts without renewal (DTF hard-codes 1 minute). */
  leaseIntervalMs?: number;
  /** Round interval (DTF 10 s; 1 s while draining or waiting for a hand-over). */
  acquireIntervalMs?: number;
  logger?: Logger;
}

interface Row {
  queue: string;
  etag: string;
  currentOwner: string | undefined;
  nextOwner: string | undefined;
  ownedSince: Date | undefined;
  expiresAt: Date | undefined;
  isDraining: boolean;
}

const dt = (d: Date | undefined) => (d ? { value: d.toISOString(), type: "DateTime" as const } : undefined);

export class TablePartitionManager implements PartitionManager {
  private readonly leaseMs: number;
  private readonly acquireMs: number;
  private readonly logger: Logger;
  /** Partitions this worker listens on. */
  private readonly listening = new Set<string>();
  private listener: PartitionListener | undefined;
  private controller = new AbortController();
  private loop: Promise<void> | undefined;
  private stopping = false;
  /**
   * Until when (local ms) each listened partition's claim is certainly still ours: the ExpiresAt we last
   * wrote, less a margin. Others may claim the row once it has expired, so past this time the worker stops
   * listening on its own, whether or not a round has noticed yet (a renewal stuck in slow storage, rounds
   * failing): otherwise two workers would process one partition until the next successful round.
   */
  private readonly validUntil = new Map<string, number>();
  private fence: NodeJS.Timeout | undefined;

  constructor(private readonly o: TablePartitionManagerOptions) {
    this.leaseMs = o.leaseIntervalMs ?? 60_000;
    this.acquireMs = o.acquireIntervalMs ?? 10_000;
    this.logger = o.logger ?? silentLogger;
  }

  ownedPartitions(): readonly number[] {
    return [...this.listening].map((q) => this.o.controlQueues.indexOf(q)).sort((a, b) => a - b);
  }

  /** Create the table and one row per control queue (insert; existing rows are kept). */
  async createLeaseStore(): Promise<void> {
    await this.o.table.createTable();
    await Promise.all(
      this.o.controlQueues.map((q) =>
        this.o.table.createEntity({ partitionKey: "", rowKey: q }).catch((err: unknown) => {
          if (!isConflict(err)) throw err; // the row exists: kept
        }),
      ),
    );
  }

  async start(listener: PartitionListener): Promise<void> {
    this.listener = listener;
    this.stopping = false;
    await this.createLeaseStore();
    this.controller = new AbortController();
    const signal = this.controller.signal;
    const margin = Math.min(2000, this.leaseMs / 4);
    this.fence = setInterval(
      () => {
        const now = Date.now();
        for (const q of [...this.listening])
          if (now > (this.validUntil.get(q) ?? 0) - margin)
            this.lose(q, "claim expired before it was renewed", { lost: true });
      },
      Math.min(250, margin / 2),
    );
    this.fence.unref();
    this.loop = (async () => {
      while (!signal.aborted) {
        let fast = false;
        try {
          fast = await this.round();
        } catch (err) {
          logEvent(this.logger, "lease.roundFailed", { err }, "partition table round failed");
          fast = true;
        }
        await sleep(fast ? Math.min(1000, this.acquireMs) : this.acquireMs, signal);
      }
    })();
  }

  /** Drain and release every owned row, then stop (graceful shutdown). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.controller.abort();
    clearInterval(this.fence);
    await this.loop;
    for (const q of this.listening) this.listener?.onPartitionLost(this.o.controlQueues.indexOf(q));
    const owned = [...this.listening];
    this.listening.clear();
    const rows = await this.readAll();
    await Promise.allSettled(
      rows
        .filter((r) => owned.includes(r.queue) && r.currentOwner === this.o.workerId)
        .map((r) => this.write(r, this.released(r, new Date()))),
    );
  }

  private async readAll(): Promise<Row[]> {
    const rows: Row[] = [];
    for await (const e of this.o.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: "PartitionKey eq ''" },
      disableTypeConversion: true,
    })) {
      const str = (k: string): string | undefined => (rawValue(e[k]) as string | undefined) || undefined;
      const date = (k: string): Date | undefined => (str(k) ? new Date(str(k)!) : undefined);
      rows.push({
        queue: String(e.rowKey),
        etag: String(e.etag),
        currentOwner: str("CurrentOwner"),
        nextOwner: str("NextOwner"),
        ownedSince: date("OwnedSince"),
        expiresAt: date("ExpiresAt"),
        isDraining: String(rawValue(e.IsDraining)) === "true",
      });
    }
    return rows.filter((r) => this.o.controlQueues.includes(r.queue));
  }

  /** Replace with If-Match; false when someone else wrote the row first. */
  private async write(old: Row, next: Omit<Row, "etag">): Promise<boolean> {
    const now = new Date();
    const entity: Record<string, unknown> = { partitionKey: "", rowKey: old.queue };
    if (next.currentOwner) entity.CurrentOwner = next.currentOwner;
    if (next.nextOwner) entity.NextOwner = next.nextOwner;
    if (next.ownedSince) entity.OwnedSince = dt(next.ownedSince);
    entity.LastRenewal = dt(now);
    if (next.expiresAt) entity.ExpiresAt = dt(next.expiresAt);
    entity.IsDraining = next.isDraining;
    try {
      await this.o.table.updateEntity(entity as { partitionKey: string; rowKey: string }, "Replace", {
        etag: old.etag,
      });
      return true;
    } catch (err) {
      if (isPreconditionFailed(err)) return false;
      throw err;
    }
  }

  /**
   * A row given up: no owner; a stealer named in NextOwner has it to itself until ExpiresAt (one lease interval),
   * then anyone may claim it, so a stealer that died before claiming cannot strand the partition.
   */
  private released(r: Row, now: Date): Omit<Row, "etag"> {
    return {
      ...r,
      currentOwner: undefined,
      isDraining: false,
      expiresAt: r.nextOwner ? new Date(now.getTime() + this.leaseMs) : now,
    };
  }

  private gain(queue: string, expiresAt: Date): void {
    this.validUntil.set(queue, expiresAt.getTime());
    if (this.listening.has(queue)) return;
    this.listening.add(queue);
    providerInstruments()?.leaseAcquired.add(1, this.leaseAttributes(queue));
    logEvent(this.logger, "partition.acquired", { partition: queue }, "partition acquired");
    this.listener?.onPartitionGained(this.o.controlQueues.indexOf(queue));
  }

  /** `lost`: the claim was lost (not handed over), counted in `taskhub.lease.lost`. */
  private lose(queue: string, reason: string, how: { lost?: boolean } = {}): void {
    this.validUntil.delete(queue);
    if (!this.listening.delete(queue)) return;
    if (how.lost) providerInstruments()?.leaseLost.add(1, this.leaseAttributes(queue));
    logEvent(this.logger, "partition.released", { partition: queue, reason }, "partition released");
    this.listener?.onPartitionLost(this.o.controlQueues.indexOf(queue));
  }

  private leaseAttributes(queue: string): Record<string, string> {
    return {
      [MetricAttr.leaseKind]: "ownership",
      [MetricAttr.partition]: queue,
      [MetricAttr.workerId]: this.o.workerId,
    };
  }

  /** One round; returns true when the next round should come sooner (draining or waiting for a hand-over). */
  private async round(): Promise<boolean> {
    if (this.stopping) return false;
    const me = this.o.workerId;
    const now = new Date();
    const rows = await this.readAll();
    const live = (r: Row): boolean => !!r.currentOwner && !!r.expiresAt && r.expiresAt > now;
    const owners = new Map<string, number>([[me, 0]]);
    for (const r of rows) if (live(r)) owners.set(r.currentOwner!, (owners.get(r.currentOwner!) ?? 0) + 1);
    const target = Math.max(1, Math.ceil(rows.length / owners.size));
    let mine = 0;
    let fast = false;

    for (const r of rows) {
      if (r.currentOwner === me && live(r)) {
        if (r.isDraining || r.nextOwner) {
          fast = true;
          this.lose(r.queue, `handing over to ${r.nextOwner ?? "nobody"}`);
          const inFlight = this.listener?.inFlight?.(this.o.controlQueues.indexOf(r.queue)) ?? 0;
          if (inFlight === 0) await this.write(r, this.released(r, now));
          else
            await this.write(r, {
              ...r,
              isDraining: true,
              expiresAt: new Date(now.getTime() + this.leaseMs),
            });
          continue;
        }
        const expiresAt = new Date(now.getTime() + this.leaseMs);
        if (await this.write(r, { ...r, expiresAt })) {
          mine++;
          this.gain(r.queue, expiresAt);
        } else this.lose(r.queue, "row changed under us", { lost: true });
        continue;
      }
      // Someone else's (or nobody's) row: stop listening if we still were.
      this.lose(r.queue, `owned by ${r.currentOwner ?? "nobody"}`, { lost: true });
    }

    for (const r of rows) {
      if (r.currentOwner === me && live(r)) continue;
      const handedToMe = !r.currentOwner && r.nextOwner === me;
      const free = !r.currentOwner && !r.nextOwner;
      // An owner that stopped renewing, or a hand-over its stealer never took (DTF: now >= ExpiresAt).
      const expired = (!!r.currentOwner || !!r.nextOwner) && (!r.expiresAt || r.expiresAt <= now);
      if (!(handedToMe || ((free || expired) && mine < target))) continue;
      const claimed = await this.write(r, {
        queue: r.queue,
        currentOwner: me,
        nextOwner: undefined,
        ownedSince: now,
        expiresAt: new Date(now.getTime() + this.leaseMs),
        isDraining: false,
      });
      if (claimed) {
        mine++;
        this.gain(r.queue, new Date(now.getTime() + this.leaseMs));
      }
    }

    // Ask for hand-overs from any owner holding at least two more than this worker (one at a time per
    // owner and round), which converges to an even split (±1) for any number of workers.
    const pending = rows.filter((r) => r.nextOwner === me).length;
    let projected = mine + pending;
    for (const [owner, count] of [...owners.entries()].sort((a, b) => b[1] - a[1])) {
      if (owner === me || count < projected + 2) continue;
      const r = rows.find((x) => x.currentOwner === owner && live(x) && !x.nextOwner && !x.isDraining);
      if (r && (await this.write(r, { ...r, nextOwner: me }))) {
        projected++;
        fast = true;
      }
    }
    if (pending > 0) fast = true;
    return fast;
  }
}
