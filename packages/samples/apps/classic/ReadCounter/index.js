// Reads the Counter entity's state (as the task hub last stored it).
const df = require("durable-functions");

module.exports = async function (context, req) {
  const client = df.getClient(context);
  const entityId = new df.EntityId("Counter", req.params.key);
  const stateResponse = await client.readEntityState(entityId);
  if (!stateResponse.entityExists) return { status: 404, body: { error: `No counter '${req.params.key}'.` } };
  return { body: stateResponse.entityState };
};
