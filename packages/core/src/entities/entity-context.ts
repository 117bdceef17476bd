/**
 * The entity programming model and the execution of one batch of operations against one entity.
 *
 * Function style: `(ctx) => { ... }` with `ctx.getState / setState / deleteState / getInput / return /
 * signalEntity / startNewOrchestration`. Class style: a class whose methods are the operations (called with
 * the input and the context) and whose own fields are the state; `delete` deletes the state unless the
 * class defines it. Operations may be async. An operation that throws fails alone: its state changes and
 * the messages it sent are rolled back, and later operations in the batch proceed.
 */
import { randomUUID } from "node:crypto";
import { InvalidArgumentError, TaskHubError, toFailureDetails } from "../errors/errors.js";
import type { FailureDetails } from "../history/events.js";
import { parsePayload, serializePayload } from "../replay/payload.js";
import { entityInstanceIdString, toEntityId, type EntityInstanceId } from "./entity-id.js";

export interface EntitySignalOptions {
  /** Deliver no earlier than this time. */
  scheduledTime?: Date;
}

export interface EntityContext<TState = any> {
  readonly entityId: EntityInstanceId;
  readonly operationName: string;
  /** True when the entity had no state before this operation. */
  readonly isNewlyConstructed: boolean;
  hasState(): boolean;
  /** The state, or `initializer()` (not saved until `setState`) when there is none. */
  getState<T = TState>(initializer?: () => T): T | undefined;
  setState(value: TState): void;
  /** The entity stops existing at the end of this operation (unless state is set again). */
  deleteState(): void;
  getInput<T = any>(): T | undefined;
  /** The operation's result (otherwise the function's return value). */
  return(value: unknown): void;
  signalEntity(
    id: EntityInstanceId | string,
    operationName: string,
    input?: unknown,
    options?: EntitySignalOptions,
  ): void;
  /** Start an orchestration (fire and forget); returns its instance id. */
  startNewOrchestration(
    name: string,
    input?: unknown,
    options?: { instanceId?: string; version?: string },
  ): string;
}

export type EntityFunction<TState = any> = (ctx: EntityContext<TState>) => unknown;
export type EntityClass = new () => object;
export type EntityImplementation = EntityFunction | EntityClass;

export interface OperationRequest {
  name: string;
  /** Serialized input. */
  input?: string | undefined;
}

export interface OperationResult {
  /** Serialized result. */
  result?: string | undefined;
  failure?: FailureDetails | undefined;
  /** When the operation started and ended running (DTF's `OperationResult.StartTimeUtc` / `EndTimeUtc`). */
  startTime?: Date | undefined;
  endTime?: Date | undefined;
}

/** Where an action came from: the index of its operation in the batch, and when the operation asked for it. */
interface ActionOrigin {
  operationIndex?: number | undefined;
  requestTime?: Date | undefined;
}

export type OperationAction =
  | ({
      type: "signal";
      target: string;
      operation: string;
      input?: string | undefined;
      scheduledTime?: Date | undefined;
    } & ActionOrigin)
  | ({
      type: "startOrchestration";
      instanceId: string;
      name: string;
      input?: string | undefined;
      version?: string | undefined;
    } & ActionOrigin);

export interface OperationBatchResult {
  /** Serialized entity state after the batch; undefined when the entity does not exist. */
  state: string | undefined;
  results: OperationResult[];
  actions: OperationAction[];
}

export function isEntityClass(impl: EntityImplementation): impl is EntityClass {
  return typeof impl === "function" && /^class[\s{]/.test(Function.prototype.toString.call(impl));
}

/** Run `operations` in order against the serialized `state`. Never throws for an operation's failure. */
export async function executeOperationBatch(
  impl: EntityImplementation,
  entityId: EntityInstanceId,
  state: string | undefined,
  operations: readonly OperationRequest[],
): Promise<OperationBatchResult> {
  let committed = state;
  const results: OperationResult[] = [];
  const actions: OperationAction[] = [];
  for (const [operationIndex, op] of operations.entries()) {
    const ctx = new OperationContext(entityId, op, committed);
    const startTime = new Date();
    try {
      const returned = isEntityClass(impl)
        ? await runClassOperation(impl, ctx, op)
        : await (impl as EntityFunction)(ctx);
      const result = ctx.returned ? ctx.returnValue : returned;
      const serializedResult = serializePayload(
        result,
        `result of operation '${op.name}' on entity '${entityInstanceIdString(entityId)}'`,
      );
      committed = ctx.finalState();
      results.push({ result: serializedResult, startTime, endTime: new Date() });
      actions.push(...ctx.actions.map((a) => ({ ...a, operationIndex })));
    } catch (err) {
      results.push({ failure: toFailureDetails(err), startTime, endTime: new Date() });
    }
  }
  return { state: committed, results, actions };
}

async function runClassOperation(
  cls: EntityClass,
  ctx: OperationContext,
  op: OperationRequest,
): Promise<unknown> {
  const instance = new cls() as Record<string, unknown>;
  const prior = ctx.hasState() ? (ctx.getState() as Record<string, unknown>) : undefined;
  if (prior && typeof prior === "object") Object.assign(instance, prior);
  Object.defineProperty(instance, "context", { value: ctx, enumerable: false, configurable: true });
  const method = findMethod(instance, op.name);
  if (!method) {
    if (op.name.toLowerCase() === "delete") {
      ctx.deleteState();
      return undefined;
    }
    throw new TaskHubError("InvalidOperation", `entity '${ctx.entityId.name}' has no operation '${op.name}'`);
  }
  const result = await method.call(instance, ctx.getInput(), ctx);
  if (!ctx.deleted) ctx.setState({ ...instance });
  return result;
}

function findMethod(instance: object, name: string): ((...args: unknown[]) => unknown) | undefined {
  const wanted = name.toLowerCase();
  for (
    let proto = Object.getPrototypeOf(instance);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === "constructor" || key.toLowerCase() !== wanted) continue;
      const value = (proto as Record<string, unknown>)[key];
      if (typeof value === "function") return value as (...args: unknown[]) => unknown;
    }
  }
  return undefined;
}

class OperationContext implements EntityContext {
  readonly operationName: string;
  readonly isNewlyConstructed: boolean;
  readonly actions: OperationAction[] = [];
  returned = false;
  returnValue: unknown;
  deleted = false;
  private loaded = false;
  private value: unknown;
  private exists: boolean;

  constructor(
    readonly entityId: EntityInstanceId,
    private readonly op: OperationRequest,
    private readonly committed: string | undefined,
  ) {
    this.operationName = op.name;
    this.exists = committed !== undefined;
    this.isNewlyConstructed = !this.exists;
  }

  hasState(): boolean {
    return this.exists;
  }

  getState<T>(initializer?: () => T): T | undefined {
    if (!this.exists) return initializer ? initializer() : undefined;
    if (!this.loaded) {
      this.value = parsePayload(this.committed);
      this.loaded = true;
    }
    return this.value as T;
  }

  setState(value: unknown): void {
    this.value = value;
    this.loaded = true;
    this.exists = value !== undefined;
    this.deleted = !this.exists;
  }

  deleteState(): void {
    this.value = undefined;
    this.loaded = true;
    this.exists = false;
    this.deleted = true;
  }

  getInput<T>(): T | undefined {
    return parsePayload(this.op.input) as T | undefined;
  }

  return(value: unknown): void {
    this.returned = true;
    this.returnValue = value;
  }

  signalEntity(
    id: EntityInstanceId | string,
    operationName: string,
    input?: unknown,
    options: EntitySignalOptions = {},
  ): void {
    const target = toEntityId(id);
    if (typeof operationName !== "string" || operationName.length === 0)
      throw new InvalidArgumentError("operation name must be a non-empty string");
    if (options.scheduledTime !== undefined && Number.isNaN(options.scheduledTime.getTime()))
      throw new InvalidArgumentError("scheduledTime is not a valid date");
    this.actions.push({
      type: "signal",
      target: entityInstanceIdString(target),
      operation: operationName,
      input: serializePayload(input, `input of operation '${operationName}'`),
      scheduledTime: options.scheduledTime,
      requestTime: new Date(),
    });
  }

  startNewOrchestration(
    name: string,
    input?: unknown,
    options: { instanceId?: string; version?: string } = {},
  ): string {
    if (typeof name !== "string" || name.length === 0)
      throw new InvalidArgumentError("orchestrator name must be a non-empty string");
    const instanceId = options.instanceId ?? randomUUID().replaceAll("-", "");
    this.actions.push({
      type: "startOrchestration",
      instanceId,
      name,
      input: serializePayload(input, `input of orchestration '${name}'`),
      version: options.version,
      requestTime: new Date(),
    });
    return instanceId;
  }

  /** The state to commit if the operation succeeds (serializing it may throw: then the operation fails). */
  finalState(): string | undefined {
    if (!this.exists) return undefined;
    if (!this.loaded) return this.committed;
    return (
      serializePayload(this.value, `state of entity '${entityInstanceIdString(this.entityId)}'`) ?? undefined
    );
  }
}
