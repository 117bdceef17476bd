/**
 * DTF's `MessageSorter`: exactly-once, in-order delivery of requests between orchestrations/entities and
 * entities. The sender stamps each request with a strictly increasing `timestamp` per destination and the
 * `predecessor` it sent there before; the receiver delivers in that order, buffers a request whose
 * predecessor has not arrived (within the reorder window) and drops one it already delivered. Client
 * signals and forwarded lock requests (`pos > 0`) bypass it, as in DTF. Times are .NET ticks.
 */
import { dateTimeToTicks, ticksToDateTime } from "../history/time.js";
import { parseRequest, requestToJson, type EntityRequestMessage } from "./messages.js";

/** DTF's default `EntityMessageReorderWindow`. */
export const DEFAULT_REORDER_WINDOW_MS = 30 * 60_000;
const TICKS_PER_MS = 10_000n;
/** Garbage collection of the clocks runs at most this often (DTF: 10 s). */
const MIN_INTERVAL_BETWEEN_COLLECTIONS = 10_000n * TICKS_PER_MS;

interface ReceiveBuffer {
  /** Last request delivered from that sender, or 0 (MinValue). */
  last: bigint;
  executionId?: string | undefined;
  /** Requests waiting for their predecessor, by timestamp. */
  buffered?: Map<bigint, EntityRequestMessage> | undefined;
}

export class MessageSorter {
  lastSentToInstance: Map<string, bigint> | undefined;
  receivedFromInstance: Map<string, ReceiveBuffer> | undefined;
  receiveHorizon = 0n;
  sendHorizon = 0n;

  /** Sender side: fill in `timestamp` and `predecessor` for a request to `destination`. */
  labelOutgoing(
    message: EntityRequestMessage,
    destination: string,
    nowTicks: bigint,
    reorderWindowMs: number,
  ): void {
    if (reorderWindowMs <= 0) return;
    const window = BigInt(reorderWindowMs) * TICKS_PER_MS;
    let timestamp = nowTicks;
    if (this.sendHorizon + window + MIN_INTERVAL_BETWEEN_COLLECTIONS < nowTicks) {
      this.sendHorizon = nowTicks - window;
      for (const [k, v] of this.lastSentToInstance ?? [])
        if (v < this.sendHorizon) this.lastSentToInstance!.delete(k);
    }
    const key = destination.toLowerCase();
    if (!this.lastSentToInstance) this.lastSentToInstance = new Map();
    else {
      const last = this.lastSentToInstance.get(key);
      if (last !== undefined) {
        message.predecessor = last;
        // Timestamps stay strictly monotonic even when the clock is not.
        if (timestamp <= last) timestamp = last + 1n;
      }
    }
    message.timestamp = timestamp;
    this.lastSentToInstance.set(key, timestamp);
  }

  /** Receiver side: the requests that may be delivered now (possibly none, possibly earlier buffered ones). */
  receiveInOrder(message: EntityRequestMessage, reorderWindowMs: number): EntityRequestMessage[] {
    if (reorderWindowMs <= 0 || message.parent === undefined || (message.pos ?? 0) > 0) return [message];
    const window = BigInt(reorderWindowMs) * TICKS_PER_MS;
    const out: EntityRequestMessage[] = [];

    if (this.receiveHorizon + window + MIN_INTERVAL_BETWEEN_COLLECTIONS < message.timestamp) {
      this.receiveHorizon = message.timestamp - window;
      // Deliver what was held back but is now past the window; forget empty buffers.
      for (const [k, buf] of this.receivedFromInstance ?? []) {
        if (buf.last < this.receiveHorizon) buf.last = 0n;
        for (let next = this.tryDeliverNext(buf); next; next = this.tryDeliverNext(buf)) out.push(next);
        if (buf.last === 0n && (!buf.buffered || buf.buffered.size === 0))
          this.receivedFromInstance!.delete(k);
      }
      if (this.receivedFromInstance?.size === 0) this.receivedFromInstance = undefined;
    }

    if (message.timestamp < this.receiveHorizon) {
      out.push(message);
      return out;
    }

    if (!this.receivedFromInstance) this.receivedFromInstance = new Map();
    const key = message.parent.toLowerCase();
    let buf = this.receivedFromInstance.get(key);
    if (!buf) {
      buf = { last: 0n, executionId: message.parentExecution };
      this.receivedFromInstance.set(key, buf);
    } else if (buf.executionId !== message.parentExecution) {
      // A new execution of the sender: release what was buffered and start over.
      for (const ts of sortedKeys(buf.buffered)) out.push(buf.buffered!.get(ts)!);
      buf.buffered?.clear();
      buf.last = 0n;
      buf.executionId = message.parentExecution;
    }

    if (message.timestamp <= buf.last) return out; // delivered before: a duplicate

    if (message.predecessor > buf.last && message.predecessor >= this.receiveHorizon) {
      if (!buf.buffered) buf.buffered = new Map();
      buf.buffered.set(message.timestamp, message);
    } else {
      out.push(message);
      buf.last = message.timestamp >= this.receiveHorizon ? message.timestamp : 0n;
      for (let next = this.tryDeliverNext(buf); next; next = this.tryDeliverNext(buf)) out.push(next);
    }
    return out;
  }

  private tryDeliverNext(buf: ReceiveBuffer): EntityRequestMessage | undefined {
    const first = sortedKeys(buf.buffered)[0];
    if (first === undefined) return undefined;
    const m = buf.buffered!.get(first)!;
    if (m.predecessor <= buf.last || m.predecessor < this.receiveHorizon) {
      buf.last = m.timestamp >= this.receiveHorizon ? m.timestamp : 0n;
      buf.buffered!.delete(first);
      return m;
    }
    return undefined;
  }

  get bufferedCount(): number {
    let n = 0;
    for (const b of this.receivedFromInstance?.values() ?? []) n += b.buffered?.size ?? 0;
    return n;
  }

  /** DTF's JSON (`LastSentToInstance`, `ReceivedFromInstance`, `ReceiveHorizon`, `SendHorizon`; defaults omitted). */
  toJSON(): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    if (this.lastSentToInstance)
      o.LastSentToInstance = Object.fromEntries(
        [...this.lastSentToInstance].map(([k, v]) => [k, ticksToDateTime(v)]),
      );
    if (this.receivedFromInstance) {
      o.ReceivedFromInstance = Object.fromEntries(
        [...this.receivedFromInstance].map(([k, b]) => {
          const j: Record<string, unknown> = { Last: ticksToDateTime(b.last) };
          if (b.executionId !== undefined) j.ExecutionId = b.executionId;
          if (b.buffered && b.buffered.size > 0)
            j.Buffered = Object.fromEntries(
              sortedKeys(b.buffered).map((t) => [ticksToDateTime(t), requestToJson(b.buffered!.get(t)!)]),
            );
          return [k, j];
        }),
      );
    }
    if (this.receiveHorizon !== 0n) o.ReceiveHorizon = ticksToDateTime(this.receiveHorizon);
    if (this.sendHorizon !== 0n) o.SendHorizon = ticksToDateTime(this.sendHorizon);
    return o;
  }

  static fromJSON(value: unknown): MessageSorter {
    const s = new MessageSorter();
    if (!value || typeof value !== "object") return s;
    const o = lowerKeys(value as Record<string, unknown>);
    const sent = o.get("lastsenttoinstance");
    if (sent && typeof sent === "object")
      s.lastSentToInstance = new Map(
        Object.entries(sent).map(([k, v]) => [k.toLowerCase(), dateTimeToTicks(String(v))]),
      );
    const received = o.get("receivedfrominstance");
    if (received && typeof received === "object") {
      s.receivedFromInstance = new Map();
      for (const [k, raw] of Object.entries(received)) {
        const b = lowerKeys((raw ?? {}) as Record<string, unknown>);
        const buffered = b.get("buffered");
        s.receivedFromInstance.set(k.toLowerCase(), {
          last: typeof b.get("last") === "string" ? dateTimeToTicks(b.get("last") as string) : 0n,
          executionId:
            typeof b.get("executionid") === "string" ? (b.get("executionid") as string) : undefined,
          buffered:
            buffered && typeof buffered === "object"
              ? new Map(Object.entries(buffered).map(([t, m]) => [dateTimeToTicks(t), parseRequest(m)]))
              : undefined,
        });
      }
    }
    if (typeof o.get("receivehorizon") === "string")
      s.receiveHorizon = dateTimeToTicks(o.get("receivehorizon") as string);
    if (typeof o.get("sendhorizon") === "string")
      s.sendHorizon = dateTimeToTicks(o.get("sendhorizon") as string);
    return s;
  }
}

function sortedKeys(m: Map<bigint, unknown> | undefined): bigint[] {
  return m ? [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : [];
}

function lowerKeys(o: Record<string, unknown>): Map<string, unknown> {
  return new Map(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v]));
}
