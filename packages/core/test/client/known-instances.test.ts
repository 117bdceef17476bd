// The client's memory of existing instances: one read per unknown id shared by concurrent checks, each check
// abortable on its own, the read aborted only when nobody waits for it, least recently used forgotten first.
import { describe, expect, it } from "vitest";
import { KnownInstances } from "../../src/client/known-instances.js";

/** A read that answers when told, with the signals it got. */
function manualReads(): {
  read: (signal: AbortSignal) => Promise<boolean>;
  signals: AbortSignal[];
  answer: (i: number, found: boolean) => void;
} {
  const signals: AbortSignal[] = [];
  const answers: ((found: boolean) => void)[] = [];
  return {
    signals,
    read: (signal) =>
      new Promise<boolean>((resolve, reject) => {
        signals.push(signal);
        answers.push(resolve);
        signal.addEventListener("abort", () =>
          reject(Object.assign(new Error("aborted"), { name: "AbortError" })),
        );
      }),
    answer: (i, found) => answers[i]!(found),
  };
}

describe("KnownInstances", () => {
  it("concurrent checks of one id share one read; a found id is not read again", async () => {
    const known = new KnownInstances();
    const reads = manualReads();
    const checks = [1, 2, 3].map(() => known.exists("a", reads.read));
    expect(reads.signals).toHaveLength(1);
    reads.answer(0, true);
    expect(await Promise.all(checks)).toEqual([true, true, true]);
    expect(await known.exists("a", reads.read)).toBe(true);
    expect(reads.signals).toHaveLength(1);
  });

  it("a missing id is not remembered: the next check reads again", async () => {
    const known = new KnownInstances();
    const reads = manualReads();
    const first = known.exists("a", reads.read);
    reads.answer(0, false);
    expect(await first).toBe(false);
    const second = known.exists("a", reads.read);
    expect(reads.signals).toHaveLength(2);
    reads.answer(1, true);
    expect(await second).toBe(true);
  });

  it("an aborted check rejects at once; the read goes on for the others and stops when none waits", async () => {
    const known = new KnownInstances();
    const reads = manualReads();
    const quitter = new AbortController();
    const waiter = new AbortController();
    const aborted = known.exists("a", reads.read, quitter.signal);
    const waiting = known.exists("a", reads.read, waiter.signal);
    quitter.abort();
    await expect(aborted).rejects.toMatchObject({ name: "AbortError", code: "Aborted" });
    expect(reads.signals[0]!.aborted).toBe(false);
    waiter.abort();
    await expect(waiting).rejects.toMatchObject({ name: "AbortError" });
    await Promise.resolve();
    expect(reads.signals[0]!.aborted).toBe(true);
    // A later check does not inherit the abandoned read: it starts its own.
    const later = known.exists("a", reads.read);
    expect(reads.signals).toHaveLength(2);
    reads.answer(1, true);
    expect(await later).toBe(true);
  });

  it("an already aborted check reads nothing", async () => {
    const known = new KnownInstances();
    const reads = manualReads();
    await expect(known.exists("a", reads.read, AbortSignal.abort())).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(reads.signals).toHaveLength(0);
  });

  it("keeps the most recently used ids up to its bound", async () => {
    const known = new KnownInstances(2);
    const reads = manualReads();
    known.remember("a");
    known.remember("b");
    expect(await known.exists("a", reads.read)).toBe(true); // "a" is now the most recent
    known.remember("c"); // forgets "b"
    expect(await known.exists("a", reads.read)).toBe(true);
    expect(await known.exists("c", reads.read)).toBe(true);
    expect(reads.signals).toHaveLength(0);
    const b = known.exists("b", reads.read);
    expect(reads.signals).toHaveLength(1);
    reads.answer(0, false);
    expect(await b).toBe(false);
  });

  it("forget and forgetAll make the next check read", async () => {
    const known = new KnownInstances();
    const reads = manualReads();
    known.remember("a");
    known.remember("b");
    known.forget("a");
    const a = known.exists("a", reads.read);
    reads.answer(0, false);
    expect(await a).toBe(false);
    known.forgetAll();
    const b = known.exists("b", reads.read);
    reads.answer(1, true);
    expect(await b).toBe(true);
    expect(reads.signals).toHaveLength(2);
  });
});
