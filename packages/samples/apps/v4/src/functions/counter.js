// A counter entity (the aggregator pattern) and its HTTP clients: POST /api/counters/{key}/{operation} signals
// it (one-way, answered 202 at once), GET /api/counters/{key} reads its state.
const { app } = require("@azure/functions");
const df = require("durable-functions");

const entityName = "Counter";

df.app.entity(entityName, (context) => {
  const currentValue = context.df.getState(() => 0);
  switch (context.df.operationName) {
    case "add":
      context.df.setState(currentValue + context.df.getInput());
      break;
    case "reset":
      context.df.setState(0);
      break;
    case "get":
      context.df.return(currentValue);
      break;
  }
});

app.post("signalCounter", {
  route: "counters/{key}/{operation}",
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const entityId = new df.EntityId(entityName, request.params.key);
    const body = await request.text();
    await client.signalEntity(entityId, request.params.operation, body ? JSON.parse(body) : undefined);
    return { status: 202 };
  },
});

app.get("readCounter", {
  route: "counters/{key}",
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const entityId = new df.EntityId(entityName, request.params.key);
    const stateResponse = await client.readEntityState(entityId);
    if (!stateResponse.entityExists)
      return { status: 404, jsonBody: { key: request.params.key, exists: false } };
    return { jsonBody: { key: request.params.key, value: stateResponse.entityState } };
  },
});
