/**
 * `TaskRegistry`: an app's orchestrators, activities and entities by name. An app's registration fills one (its
 * `register(worker)` calls `addOrchestrator` / `addActivity` / `addEntity`), a `TaskHubWorker` runs what it holds,
 * and tools read it without a worker or a backend (`taskhub replay` looks an orchestrator up by name).
 *
 * Names are checked when added: non-empty strings, each registered once per kind; entity names are lower-cased
 * (as the Durable Task SDKs do) and must not contain '@'. While sealed (a worker seals its registry while it
 * runs), adding throws.
 */
import { isEntityClass, type EntityImplementation } from "./entities/entity-context.js";
import { InvalidArgumentError, TaskHubError } from "./errors/errors.js";
import type { Orchestrator } from "./replay/replay.js";

export interface ActivityContext {
  /** The orchestration instance that scheduled this activity. */
  readonly instanceId: string;
  readonly executionId: string | undefined;
  /** The TaskScheduled event id (unique within the execution). */
  readonly taskId: number;
  readonly name: string;
  /** Aborted when the worker stops past its drain timeout. */
  readonly signal: AbortSignal;
}

export type Activity<TInput = any, TOutput = any> = (
  ctx: ActivityContext,
  input: TInput,
) => TOutput | Promise<TOutput>;

/**
 * What an app's registration is given: a `TaskHubWorker`, or a bare `TaskRegistry` when only the names and
 * functions are wanted (no worker, no backend).
 */
export interface TaskRegistrar {
  addOrchestrator<TIn = any, TOut = any>(name: string, fn: Orchestrator<TIn, TOut>): this;
  addActivity<TIn = any, TOut = any>(name: string, fn: Activity<TIn, TOut>): this;
  /** A function `(ctx) => ...` or a class whose methods are its operations. */
  addEntity(name: string, impl: EntityImplementation): this;
  /** Names of the registered orchestrators. */
  orchestratorNames(): string[];
}

export class TaskRegistry implements TaskRegistrar {
  private readonly orchestrators = new Map<string, Orchestrator>();
  private readonly activities = new Map<string, Activity>();
  private readonly entities = new Map<string, EntityImplementation>();
  private sealedBy: string | undefined;

  addOrchestrator<TIn = any, TOut = any>(name: string, fn: Orchestrator<TIn, TOut>): this {
    this.add(this.orchestrators, "orchestrator", name, fn as Orchestrator);
    return this;
  }

  addActivity<TIn = any, TOut = any>(name: string, fn: Activity<TIn, TOut>): this {
    this.add(this.activities, "activity", name, fn as Activity);
    return this;
  }

  /** The name is lower-cased (as the Durable Task SDKs do) and must not contain '@'. */
  addEntity(name: string, impl: EntityImplementation): this {
    if (typeof name === "string" && name.includes("@"))
      throw new InvalidArgumentError(`entity name '${name}' must not contain '@'`);
    if (typeof impl !== "function")
      throw new InvalidArgumentError(`entity '${name}' must be a function or a class`);
    this.add(this.entities, "entity", typeof name === "string" ? name.toLowerCase() : name, impl);
    return this;
  }

  /** Names of the registered orchestrators. */
  orchestratorNames(): string[] {
    return [...this.orchestrators.keys()];
  }

  /** Names of the registered activities. */
  activityNames(): string[] {
    return [...this.activities.keys()];
  }

  /** Names of the registered entities (lower-cased), with their style. */
  entityNames(): { name: string; style: "function" | "class" }[] {
    return [...this.entities].map(([name, impl]) => ({
      name,
      style: isEntityClass(impl) ? "class" : "function",
    }));
  }

  getOrchestrator(name: string): Orchestrator | undefined {
    return this.orchestrators.get(name);
  }

  getActivity(name: string): Activity | undefined {
    return this.activities.get(name);
  }

  /** By its lower-cased name, as entity ids carry it. */
  getEntity(name: string): EntityImplementation | undefined {
    return this.entities.get(name);
  }

  /** Until `unseal()`, adding throws (InvalidOperation): `by` says why, e.g. "the worker started". */
  seal(by: string): void {
    this.sealedBy = by;
  }

  unseal(): void {
    this.sealedBy = undefined;
  }

  private add<F>(map: Map<string, F>, what: string, name: string, fn: F): void {
    if (typeof name !== "string" || name.trim() === "")
      throw new InvalidArgumentError(`${what} name must be a non-empty string`);
    if (typeof fn !== "function") throw new InvalidArgumentError(`${what} '${name}' must be a function`);
    if (this.sealedBy !== undefined)
      throw new TaskHubError("InvalidOperation", `cannot add ${what} '${name}' after ${this.sealedBy}`);
    if (map.has(name)) throw new InvalidArgumentError(`${what} '${name}' is already registered`);
    map.set(name, fn);
  }
}
