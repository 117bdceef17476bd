/**
 * Entity functions (`app.entity(name, (context) => { ... context.df.getState() ... })`) over core's
 * entity executor. Operations run one at a time; `context.df.return(v)` sets the result (the handler's own
 * return value is ignored, as in v3). `getState` returns a fresh copy each time, so, as in v3, only
 * `setState` changes the state.
 */
import {
  TaskHubError,
  type EntityContext as CoreEntityContext,
  type EntityFunction,
  type Logger,
} from "@taskhub/core";
import { createInvocationContext, type InvocationContext } from "../orchestration/invocation-context.js";
import { EntityId, toCoreEntityId } from "./entity-id.js";

export interface DurableEntityContext<TState> {
  readonly entityName: string;
  readonly entityKey: string;
  readonly entityId: EntityId;
  readonly operationName: string | undefined;
  readonly isNewlyConstructed: boolean;
  getState(initializer?: () => TState): TState | undefined;
  setState(state: TState): void;
  getInput<TInput = TState>(): TInput | undefined;
  return<TResult = TState>(result: TResult): void;
  destructOnExit(): void;
  signalEntity(entity: EntityId, operationName: string, operationInput?: unknown): void;
}

export interface EntityContext<T> extends InvocationContext {
  df: DurableEntityContext<T>;
}

export type EntityHandler<T> = (context: EntityContext<T>) => void | Promise<void>;

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** An EntityId, even for the empty key the HTTP API allows (v3's constructor rejects it). */
function entityIdOf(name: string, key: string): EntityId {
  return key
    ? new EntityId(name, key)
    : Object.assign(Object.create(EntityId.prototype) as EntityId, { name, key });
}

class DurableEntityContextImpl<TState> implements DurableEntityContext<TState> {
  readonly entityId: EntityId;
  constructor(private readonly ctx: CoreEntityContext<TState>) {
    this.entityId = entityIdOf(ctx.entityId.name, ctx.entityId.key);
  }
  get entityName(): string {
    return this.ctx.entityId.name;
  }
  get entityKey(): string {
    return this.ctx.entityId.key;
  }
  get operationName(): string {
    return this.ctx.operationName;
  }
  get isNewlyConstructed(): boolean {
    return this.ctx.isNewlyConstructed;
  }
  getState(initializer?: () => TState): TState | undefined {
    if (!this.ctx.hasState()) return initializer ? initializer() : undefined;
    return clone(this.ctx.getState<TState>());
  }
  setState(state: TState): void {
    this.ctx.setState(clone(state));
  }
  getInput<TInput = TState>(): TInput | undefined {
    return this.ctx.getInput<TInput>();
  }
  return<TResult = TState>(result: TResult): void {
    this.ctx.return(result);
  }
  destructOnExit(): void {
    this.ctx.deleteState();
  }
  signalEntity(entity: EntityId, operationName: string, operationInput?: unknown): void {
    if (typeof operationName !== "string" || operationName.length === 0)
      throw new TaskHubError("InvalidArgument", "operation name must be a non-empty string");
    this.ctx.signalEntity(toCoreEntityId(entity), operationName, operationInput);
  }
}

/** The entity `context.df` over core's entity context (both models use it). */
export function durableEntityContext<T>(ctx: CoreEntityContext<T>): DurableEntityContext<T> {
  return new DurableEntityContextImpl<T>(ctx);
}

export function toCoreEntity<T>(
  name: string,
  handler: EntityHandler<T>,
  logger: Logger | undefined,
): EntityFunction {
  return async (ctx) => {
    const context = createInvocationContext(name, "entityTrigger", logger) as EntityContext<T>;
    context.df = durableEntityContext<T>(ctx as CoreEntityContext<T>);
    await handler(context);
    return undefined;
  };
}
