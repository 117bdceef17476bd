/**
 * v3's contexts for unit-testing handlers without a host: create one, assign `context.df` (a stub, a mock),
 * and call the orchestration or entity handler with it. `df` starts undefined, as in v3.
 */
import { randomUUID } from "node:crypto";
import type { DurableEntityContext, EntityContext } from "./entity/entity-context.js";
import type { DurableOrchestrationContext } from "./orchestration/context.js";
import { BasicInvocationContext, type LogHandler } from "./orchestration/invocation-context.js";
import type { OrchestrationContext } from "./orchestration/orchestrator.js";

const DEFAULT_FUNCTION_NAME = "dummyContextFunctionName";
const consoleLog: LogHandler = (_level, ...args) => console.log(...args);

/** An orchestration `context` for unit tests; set `df` before calling the handler. */
export class DummyOrchestrationContext extends BasicInvocationContext implements OrchestrationContext {
  df: DurableOrchestrationContext;

  constructor(
    functionName: string = DEFAULT_FUNCTION_NAME,
    invocationId: string = randomUUID(),
    logHandler: LogHandler = consoleLog,
  ) {
    super({ functionName, invocationId, logHandler });
    this.df = undefined as unknown as DurableOrchestrationContext;
  }
}

/** An entity `context` for unit tests; set `df` before calling the handler. */
export class DummyEntityContext<T> extends BasicInvocationContext implements EntityContext<T> {
  df: DurableEntityContext<T>;

  constructor(
    functionName: string = DEFAULT_FUNCTION_NAME,
    invocationId: string = randomUUID(),
    logHandler: LogHandler = consoleLog,
  ) {
    super({ functionName, invocationId, logHandler });
    this.df = undefined as unknown as DurableEntityContext<T>;
  }
}
