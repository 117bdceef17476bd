/**
 * One invocation of a function registered through `@azure/functions`, along the path the Functions Node.js
 * worker takes: the app's programming model (`@azure/functions`' own) makes the invocation model from the core
 * context, `getArguments()` builds the `InvocationContext` and the inputs from the RPC request (so the handler
 * gets `@azure/functions`' real `HttpRequest`, its body exactly as that package delivers it), preInvocation
 * hooks may change the inputs and the callback, `invokeFunction` runs the handler, postInvocation hooks see
 * (and may change) the result or the error, and `getResponse` turns the result into the RPC response.
 *
 * Rejects with the handler's error (or a hook's). Logs of the invocation go through the log hooks, then to the
 * host's logger with the function's name and the invocation id.
 */
import { randomUUID } from "node:crypto";
import type {
  CoreInvocationContext,
  HookData,
  InvocationState,
  RpcInvocationRequest,
  RpcInvocationResponse,
  RpcLogCategory,
  RpcLogLevel,
} from "./core-types.js";
import type { FunctionsCore, HookName, RegisteredFunction } from "./functions-core.js";

const readOnly = (what: string) => (): never => {
  throw new Error(`Cannot assign to read only property '${what}'`);
};

/** Runs the hooks of `name` in registration order, each awaited; a hook that throws stops the invocation. */
async function runHooks(core: FunctionsCore, name: HookName, context: object): Promise<void> {
  for (const hook of [...core.hooksOf(name)]) await hook(context);
}

export async function invokeFunction(
  core: FunctionsCore,
  fn: RegisteredFunction,
  request: Omit<RpcInvocationRequest, "invocationId" | "functionId">,
): Promise<RpcInvocationResponse> {
  const model = core.programmingModel;
  if (!model) throw new Error(`no programming model was set for the function '${fn.metadata.name}'`);
  const invocationId = randomUUID();
  // The invocation context, once `getArguments` has made it (logs before that have none).
  const current: { context?: unknown } = {};
  const coreContext: CoreInvocationContext = {
    invocationId,
    request: { ...request, invocationId, functionId: fn.metadata.functionId ?? null },
    metadata: {
      name: fn.metadata.name,
      functionId: fn.metadata.functionId ?? null,
      bindings: fn.metadata.bindings,
    },
    state: undefined as InvocationState | undefined,
    log(level: RpcLogLevel, category: RpcLogCategory, message: string): void {
      const hookContext = {
        hookData: {},
        appHookData: core.appHookData,
        invocationContext: current.context,
        category,
        level,
        message,
      };
      // Log hooks may change a user log's level and message, never a system one.
      for (const hook of core.hooksOf("log")) hook(hookContext);
      const user = category === "user";
      core.log(user ? hookContext.level : level, category, user ? hookContext.message : message, {
        functionName: fn.metadata.name,
        invocationId,
      });
    },
  };
  const invocationModel = await model.getInvocationModel(coreContext);
  const hookData: HookData = {};
  const args = await invocationModel.getArguments();
  const context = args.context;
  current.context = context;
  const invocationContext = context;
  const shared = {
    get hookData() {
      return hookData;
    },
    set hookData(_v) {
      readOnly("hookData")();
    },
    get appHookData() {
      return core.appHookData;
    },
    set appHookData(_v) {
      readOnly("appHookData")();
    },
    get invocationContext() {
      return invocationContext;
    },
    set invocationContext(_v) {
      readOnly("invocationContext")();
    },
  };
  const pre = Object.defineProperties(
    { functionCallback: fn.callback, inputs: args.inputs },
    Object.getOwnPropertyDescriptors(shared),
  );
  coreContext.state = "preInvocationHooks";
  try {
    await runHooks(core, "preInvocation", pre);
  } finally {
    coreContext.state = undefined;
  }
  const post = Object.defineProperties(
    { inputs: pre.inputs, result: null as unknown, error: null as unknown },
    Object.getOwnPropertyDescriptors(shared),
  );
  coreContext.state = "invocation";
  try {
    post.result = await invocationModel.invokeFunction(context, pre.inputs, pre.functionCallback);
  } catch (err) {
    post.error = err;
  } finally {
    coreContext.state = undefined;
  }
  coreContext.state = "postInvocationHooks";
  try {
    await runHooks(core, "postInvocation", post);
  } finally {
    coreContext.state = undefined;
  }
  if (post.error) throw post.error;
  return invocationModel.getResponse(context, post.result);
}
