/**
 * Pattern 6, aggregator: a counter entity with add, reset, get and delete, written as a function (`Counter`)
 * and as a class (`CounterClass`: methods are operations, fields are state, `delete` is built in). Clients
 * signal it: POST /api/counters/{entity}/{key}/{operation} (body: the operand) calls
 * `client.signalEntity`, GET /api/counters/{entity}/{key} reads it with `client.readEntityState`; the
 * management API's entity routes work too (POST /runtime/webhooks/durabletask/entities/Counter/{key}?op=add).
 * `ReadCounter` reads a counter from an orchestration with `callEntity`.
 */
import * as df from "@taskhub/durable-functions";
import type {
  DurableClient,
  EntityContext,
  HttpRequest,
  OrchestrationContext,
} from "@taskhub/durable-functions";
import { answer, jsonBody } from "./http-util.js";

df.app.entity("Counter", (context: EntityContext<number>) => {
  const current = context.df.getState(() => 0) ?? 0;
  switch (context.df.operationName) {
    case "add":
      context.df.setState(current + (context.df.getInput<number>() ?? 1));
      break;
    case "reset":
      context.df.setState(0);
      break;
    case "get":
      context.df.return(current);
      break;
    case "delete":
      context.df.destructOnExit();
      break;
    default:
      throw new Error(`Counter has no operation '${context.df.operationName}'`);
  }
});

export class CounterClass {
  value = 0;
  add(amount?: number): void {
    this.value += amount ?? 1;
  }
  reset(): void {
    this.value = 0;
  }
  get(): number {
    return this.value;
  }
}
df.app.entity("CounterClass", CounterClass);

export const COUNTER_ENTITIES = ["Counter", "CounterClass"];
export const COUNTER_OPERATIONS = ["add", "reset", "get", "delete"];

df.app.orchestration("ReadCounter", function* (context: OrchestrationContext) {
  const { entity = "Counter", key } = context.df.getInput<{ entity?: string; key: string }>();
  const value: number = yield context.df.callEntity(new df.EntityId(entity, key), "get");
  return value;
});

function counterId(request: HttpRequest): df.EntityId | undefined {
  const { entity, key } = request.params as { entity: string; key: string };
  const name = COUNTER_ENTITIES.find((e) => e.toLowerCase() === entity.toLowerCase());
  return name ? new df.EntityId(name, key) : undefined;
}

df.app.client.http("SignalCounter", {
  route: "counters/{entity}/{key}/{operation}",
  methods: ["POST"],
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, client: DurableClient) =>
    answer(async () => {
      const id = counterId(request);
      const operation = request.params.operation!;
      if (!id || !COUNTER_OPERATIONS.includes(operation))
        return {
          status: 404,
          jsonBody: {
            error: `entities: ${COUNTER_ENTITIES.join(", ")}; operations: ${COUNTER_OPERATIONS.join(", ")}`,
          },
        };
      await client.signalEntity(id, operation, await jsonBody(request));
      return { status: 202, jsonBody: { signalled: `@${id.name.toLowerCase()}@${id.key}`, operation } };
    }),
});

df.app.client.http("GetCounter", {
  route: "counters/{entity}/{key}",
  methods: ["GET"],
  extraInputs: [df.input.durableClient()],
  handler: async (request: HttpRequest, client: DurableClient) => {
    const id = counterId(request);
    if (!id) return { status: 404, jsonBody: { error: `entities: ${COUNTER_ENTITIES.join(", ")}` } };
    const state = await client.readEntityState<unknown>(id);
    return state.entityExists
      ? { jsonBody: { entity: id.name, key: id.key, state: state.entityState } }
      : { status: 404, jsonBody: { entity: id.name, key: id.key, exists: false } };
  },
});
