/**
 * `TaskRegistry`: an app's orchestrators, activities and entities by name. An app's registration fills one (its
 * `register(worker)` calls `addOrchestrator` / `addActivity` / `addEntity`), a `TaskHubWorker` runs what it holds,
 * and tools read it without a worker or a backend (`taskhub replay` looks an orchestrator up by name).
 *
 * Names are checked when added: non-empty strings, each registered once per kind; entity names are lower-cased
 * (as the Durable Task SDKs do) and must not contain '@'. While sealed (a worker seals its registry while it
 * runs), adding throws.
 *
 * Orchestrators may be registered per version, side by side (`addOrchestrator(name, fn, { version })`, each
 * name and version once): an instance runs the orchestrator registered under its version (the one its
 * ExecutionStarted event carries), else the one registered without a version (which runs every version).
 */
import { isEntityClass, type EntityImplementation } from "./entities/entity-context.js";
import { InvalidArgumentError, TaskHubError } from "./errors/errors.js";
import type { Orchestrator } from "./replay/replay.js";

/** The prefix of taskhub's built-in function names (bulk operations): an app's own names cannot start with it. */
export const RESERVED_PREFIX = "taskhub:";

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

export interface OrchestratorRegistration {
  /** The instance version this function runs (exact string match); absent: every version without its own. */
  version?: string;
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
  addOrchestrator<TIn = any, TOut = any>(
    name: string,
    fn: Orchestrator<TIn, TOut>,
    options?: OrchestratorRegistration,
  ): this;
  addActivity<TIn = any, TOut = any>(name: string, fn: Activity<TIn, TOut>): this;
  /** A function `(ctx) => ...` or a class whose methods are its operations. */
  addEntity(name: string, impl: EntityImplementation): this;
  /** Names of the registered orchestrators. */
  orchestratorNames(): string[];
}

export class TaskRegistry implements TaskRegistrar {
  /** By name, then by version ("" for the registration without one). */
  private readonly orchestrators = new Map<string, Map<string, Orchestrator>>();
  private readonly activities = new Map<string, Activity>();
  private readonly entities = new Map<string, EntityImplementation>();
  private sealedBy: string | undefined;
  private addingBuiltIns = false;
  /** Names added by `addBuiltIns`: found by the getters, left out of the name listings. */
  private readonly builtIns = new Set<string>();

  addOrchestrator<TIn = any, TOut = any>(
    name: string,
    fn: Orchestrator<TIn, TOut>,
    options: OrchestratorRegistration = {},
  ): this {
    const version = options.version ?? "";
    if (typeof version !== "string")
      throw new InvalidArgumentError(`the version of orchestrator '${name}' must be a string`);
    const versions = this.orchestrators.get(name) ?? new Map<string, Orchestrator>();
    const what = version === "" ? "orchestrator" : `orchestrator version '${version}' of`;
    this.add(versions, what, name, fn as Orchestrator, version);
    this.orchestrators.set(name, versions);
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
    return [...this.orchestrators.keys()].filter((n) => !this.builtIns.has(n));
  }

  /** Names of the registered activities. */
  activityNames(): string[] {
    return [...this.activities.keys()].filter((n) => !this.builtIns.has(n));
  }

  /** Names of the registered entities (lower-cased), with their style. */
  entityNames(): { name: string; style: "function" | "class" }[] {
    return [...this.entities].map(([name, impl]) => ({
      name,
      style: isEntityClass(impl) ? "class" : "function",
    }));
  }

  /** The versions registered for that name ("" for the registration without a version). */
  orchestratorVersions(name: string): string[] {
    return [...(this.orchestrators.get(name)?.keys() ?? [])];
  }

  /**
   * The orchestrator an instance of `name` and `version` runs: the one registered under that version, else
   * the one registered without a version.
   */
  getOrchestrator(name: string, version?: string): Orchestrator | undefined {
    const versions = this.orchestrators.get(name);
    return versions?.get(version ?? "") ?? versions?.get("");
  }

  getActivity(name: string): Activity | undefined {
    return this.activities.get(name);
  }

  /** By its lower-cased name, as entity ids carry it. */
  getEntity(name: string): EntityImplementation | undefined {
    return this.entities.get(name);
  }

  /**
   * Names starting with `taskhub:` are reserved for taskhub's built-in functions (the bulk operations), which
   * are added through this: `add` inside `fn` may use them. The getters find them; the name listings
   * (`orchestratorNames`, `activityNames`: the app's functions) leave them out.
   */
  addBuiltIns(fn: (registry: this) => void): void {
    this.addingBuiltIns = true;
    try {
      fn(this);
    } finally {
      this.addingBuiltIns = false;
    }
  }

  /** Until `unseal()`, adding throws (InvalidOperation): `by` says why, e.g. "the worker started". */
  seal(by: string): void {
    this.sealedBy = by;
  }

  unseal(): void {
    this.sealedBy = undefined;
  }

  private add<F>(map: Map<string, F>, what: string, name: string, fn: F, key: string = name): void {
    if (typeof name !== "string" || name.trim() === "")
      throw new InvalidArgumentError(`${what.split(" ")[0]} name must be a non-empty string`);
    if (typeof fn !== "function") throw new InvalidArgumentError(`${what} '${name}' must be a function`);
    if (this.sealedBy !== undefined)
      throw new TaskHubError("InvalidOperation", `cannot add ${what} '${name}' after ${this.sealedBy}`);
    if (name.startsWith(RESERVED_PREFIX) && !this.addingBuiltIns)
      throw new InvalidArgumentError(
        `${what} '${name}': names starting with '${RESERVED_PREFIX}' are reserved for taskhub's built-in functions`,
      );
    if (map.has(key)) throw new InvalidArgumentError(`${what} '${name}' is already registered`);
    if (this.addingBuiltIns) this.builtIns.add(name);
    map.set(key, fn);
  }
}
