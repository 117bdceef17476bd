// Answers an approval: raises the ApprovalEvent, with the request's body ({ approved, by }) as its data, on the
// ApprovalWorkflow instance named in the route.
const df = require("durable-functions");

module.exports = async function (context, req) {
  const client = df.getClient(context);
  const instanceId = req.params.instanceId;
  try {
    await client.raiseEvent(instanceId, "ApprovalEvent", req.body);
  } catch (err) {
    return { status: 404, body: { error: err.message } };
  }
  return { status: 202, body: { instanceId, raised: "ApprovalEvent" } };
};
