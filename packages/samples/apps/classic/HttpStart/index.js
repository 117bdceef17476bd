// The async HTTP API: starts the orchestrator named in the route with the request's body as its input, and
// answers 202 with the status and management URLs (Location is the status URL to poll).
const df = require("durable-functions");

module.exports = async function (context, req) {
  const client = df.getClient(context);
  const instanceId = await client.startNew(req.params.functionName, undefined, req.body);

  context.log(`Started orchestration with ID = '${instanceId}'.`);

  return client.createCheckStatusResponse(context.bindingData.req, instanceId);
};
