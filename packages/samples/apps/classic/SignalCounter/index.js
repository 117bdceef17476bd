// Sends an operation (add, reset) to the Counter entity with the key in the route; the body is its input.
// Signals are one-way: the answer is 202 at once, the entity runs the operation soon after.
const df = require("durable-functions");

module.exports = async function (context, req) {
  const client = df.getClient(context);
  const entityId = new df.EntityId("Counter", req.params.key);
  await client.signalEntity(entityId, req.params.operation, req.body);
  return { status: 202 };
};
