// The poll loop over a fake clock, timers and page visibility (no browser, no real time).
import { describe, expect, it } from "vitest";
import { startPollLoop, type PollEnvironment } from "../../src/hooks/use-poll.js";

class FakeEnvironment implements PollEnvironment {
  clock = 0;
  isHidden = false;
  timers = new Map<number, { fn: () => void; ms: number }>();
  private nextId = 1;
  private visibleListeners = new Set<() => void>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { fn, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  now(): number {
    return this.clock;
  }
  hidden(): boolean {
    return this.isHidden;
  }
  onVisible(fn: () => void): () => void {
    this.visibleListeners.add(fn);
    return () => this.visibleListeners.delete(fn);
  }
  /** The delays of the timers pending now. */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.ms);
  }
  /** Runs the one pending timer, after its delay. */
  fire(): void {
    expect(this.timers.size).toBe(1);
    const [id, t] = [...this.timers][0]!;
    this.timers.delete(id);
    this.clock += t.ms;
    t.fn();
  }
  show(): void {
    this.isHidden = false;
    for (const l of this.visibleListeners) l();
  }
  listeners(): number {
    return this.visibleListeners.size;
  }
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("startPollLoop", () => {
  it("schedules the next poll only after the previous one answered, and waits longer after a slow answer", async () => {
    const env = new FakeEnvironment();
    let calls = 0;
    let answer = deferred();
    const stop = startPollLoop(
      () => {
        calls++;
        return answer.promise;
      },
      5000,
      env,
    );
    expect(env.pending()).toEqual([5000]);
    env.fire();
    expect(calls).toBe(1);
    // Still answering: no timer, so no second request piles up.
    await settle();
    expect(env.pending()).toEqual([]);
    env.clock += 4000; // the answer took 4 s
    answer.resolve();
    await settle();
    expect(env.pending()).toEqual([12_000]);
    answer = deferred();
    env.fire();
    answer.resolve(); // at once
    await settle();
    expect(env.pending()).toEqual([5000]);
    expect(calls).toBe(2);
    stop();
    expect(env.pending()).toEqual([]);
    expect(env.listeners()).toBe(0);
  });

  it("reads nothing while the page is hidden, and reads at once when it is visible again", async () => {
    const env = new FakeEnvironment();
    let calls = 0;
    const stop = startPollLoop(() => void calls++, 5000, env);
    env.isHidden = true;
    env.fire();
    await settle();
    expect(calls).toBe(0);
    expect(env.pending()).toEqual([]); // paused: no timer while hidden
    env.show();
    await settle();
    expect(calls).toBe(1);
    expect(env.pending()).toEqual([5000]);
    // Shown again with a poll already due later: nothing extra.
    env.isHidden = true;
    env.show();
    await settle();
    expect(calls).toBe(1);
    stop();
  });

  it("goes on after a poll that threw, and stops for good", async () => {
    const env = new FakeEnvironment();
    let calls = 0;
    const stop = startPollLoop(
      () => {
        calls++;
        return Promise.reject(new Error("host down"));
      },
      1000,
      env,
    );
    env.fire();
    await settle();
    expect(env.pending()).toEqual([1000]);
    env.fire();
    await settle();
    expect(calls).toBe(2);
    stop();
    expect(env.pending()).toEqual([]);
    env.show();
    await settle();
    expect(calls).toBe(2);
  });
});
