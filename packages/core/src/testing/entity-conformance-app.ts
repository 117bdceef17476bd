/**
 * The app the entity conformance suite (`entity-conformance.ts`) runs on every backend: a counter in function
 * and class style, an account, a relay that signals and starts orchestrations, and the orchestrations that
 * call, signal and lock them (critical sections, failures, the locking rules).
 */
import type { EntityContext } from "../entities/entity-context.js";
import type { EntityInstanceId } from "../entities/entity-id.js";
import type { EntityOperationFailedError } from "../errors/errors.js";
import type { TaskHubWorker } from "../worker.js";

/** Function style: the aggregator pattern's counter. */
export function counterEntity(ctx: EntityContext<number>): unknown {
  const value = ctx.getState(() => 0) ?? 0;
  switch (ctx.operationName) {
    case "add":
      ctx.setState(value + (ctx.getInput<number>() ?? 1));
      return undefined;
    case "reset":
      ctx.setState(0);
      return undefined;
    case "get":
      return value;
    case "delete":
      ctx.deleteState();
      return undefined;
    case "addThenFail":
      ctx.setState(value + (ctx.getInput<number>() ?? 1));
      ctx.signalEntity({ name: "counter", key: "never" }, "add", 1);
      throw new Error("addThenFail always fails");
    default:
      throw new Error(`unknown operation '${ctx.operationName}'`);
  }
}

/** Class style: methods are operations, fields are state; `delete` is built in. */
export class CounterClass {
  count = 0;
  add(amount: number): void {
    this.count += amount ?? 1;
  }
  reset(): void {
    this.count = 0;
  }
  get(): number {
    return this.count;
  }
}

/** An account whose withdrawals fail when the balance is short. */
export function accountEntity(ctx: EntityContext<number>): unknown {
  const balance = ctx.getState(() => 0) ?? 0;
  switch (ctx.operationName) {
    case "deposit":
      ctx.setState(balance + ctx.getInput<number>()!);
      return undefined;
    case "withdraw": {
      const amount = ctx.getInput<number>()!;
      if (amount > balance) throw new Error(`insufficient funds: ${balance} < ${amount}`);
      ctx.setState(balance - amount);
      return undefined;
    }
    case "balance":
      return balance;
    default:
      throw new Error(`unknown operation '${ctx.operationName}'`);
  }
}

/** Forwards every `add` to a second counter and starts an orchestration that records it. */
export function relayEntity(ctx: EntityContext): unknown {
  const n = ctx.getInput<number>() ?? 1;
  ctx.signalEntity({ name: "counter", key: `relay-${ctx.entityId.key}` }, "add", n);
  ctx.startNewOrchestration(
    "AddToCounter",
    { key: `relay-started-${ctx.entityId.key}`, amount: n },
    { instanceId: `relay-orch-${ctx.entityId.key}` },
  );
  ctx.setState((ctx.getState<number>(() => 0) ?? 0) + 1);
  return undefined;
}

/** Registers the suite's entities and the orchestrations that call, signal and lock them. */
export function registerEntities(w: TaskHubWorker): void {
  w.addEntity("Counter", counterEntity);
  w.addEntity("ClassCounter", CounterClass);
  w.addEntity("account", accountEntity);
  w.addEntity("relay", relayEntity);
  w.addOrchestrator("AddToCounter", (ctx, input: { key: string; amount: number }) => {
    ctx.entities.signalEntity({ name: "counter", key: input.key }, "add", input.amount);
    return null;
  });
  w.addOrchestrator("CallCounter", function* (ctx, input: { key: string; ops: [string, unknown][] }) {
    const out: unknown[] = [];
    for (const [op, arg] of input.ops)
      out.push(yield ctx.entities.callEntity({ name: "counter", key: input.key }, op, arg));
    return out;
  });
  w.addOrchestrator("CatchEntityFailure", function* (ctx, key: string) {
    const id = { name: "counter", key };
    yield ctx.entities.callEntity(id, "add", 10);
    let error: { code: string; type: string; message: string } | undefined;
    try {
      yield ctx.entities.callEntity(id, "addThenFail", 5);
    } catch (err) {
      const e = err as EntityOperationFailedError;
      error = { code: e.code, type: e.details.errorType, message: e.details.errorMessage };
    }
    const after: number = yield ctx.entities.callEntity(id, "get");
    return { error, after };
  });
  w.addOrchestrator("Transfer", function* (ctx, input: { from: string; to: string; amount: number }) {
    const from: EntityInstanceId = { name: "account", key: input.from };
    const to: EntityInstanceId = { name: "account", key: input.to };
    const lock = yield* ctx.entities.lockEntities(to, from);
    const inSection = ctx.entities.isInCriticalSection();
    const balance: number = yield ctx.entities.callEntity(from, "balance");
    let moved = 0;
    if (balance >= input.amount) {
      yield ctx.whenAll([
        ctx.entities.callEntity(from, "withdraw", input.amount),
        ctx.entities.callEntity(to, "deposit", input.amount),
      ]);
      moved = input.amount;
    }
    lock.release();
    return { moved, locked: inSection.lockedEntities?.map((e) => e.key) ?? [] };
  });
  w.addOrchestrator("BreakLockRules", function* (ctx, rule: string) {
    const a = { name: "counter", key: "rules-a" };
    const b = { name: "counter", key: "rules-b" };
    yield ctx.entities.lockEntities(a);
    if (rule === "call-unlocked") yield ctx.entities.callEntity(b, "get");
    if (rule === "signal-locked") ctx.entities.signalEntity(a, "add", 1);
    if (rule === "nested") yield ctx.entities.lockEntities(b);
    if (rule === "sub-orchestration") yield ctx.callSubOrchestrator("AddToCounter", { key: "x", amount: 1 });
    return "no violation";
  });
  w.addOrchestrator("HoldLockForever", function* (ctx, key: string) {
    yield ctx.entities.lockEntities({ name: "counter", key });
    yield ctx.waitForExternalEvent("never");
  });
  w.addOrchestrator("LockAndComplete", function* (ctx, key: string) {
    yield ctx.entities.lockEntities({ name: "counter", key });
    return "done without releasing";
  });
}
