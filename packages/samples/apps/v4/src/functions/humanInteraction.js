// Human interaction: ask for an approval, then wait for the ApprovalEvent or a timer (72 hours unless the input
// says otherwise), whichever comes first; escalate when nobody answered. The event is raised by the HTTP
// function below (POST /api/approvals/{instanceId} with true or false), or with the starter's sendEventPostUri.
const { app } = require("@azure/functions");
const df = require("durable-functions");

df.app.orchestration("approvalWorkflow", function* (context) {
  const { item, timeoutSeconds = 72 * 60 * 60 } = context.df.getInput();
  yield context.df.callActivity("requestApproval", item);

  const dueTime = new Date(context.df.currentUtcDateTime.getTime() + timeoutSeconds * 1000);
  const timeoutTask = context.df.createTimer(dueTime);
  const approvalEventTask = context.df.waitForExternalEvent("ApprovalEvent");

  const winningTask = yield context.df.Task.any([approvalEventTask, timeoutTask]);

  if (winningTask === approvalEventTask) {
    timeoutTask.cancel();
    return yield context.df.callActivity("processApproval", {
      item,
      approved: approvalEventTask.result,
    });
  }
  return yield context.df.callActivity("escalateApproval", item);
});

df.app.activity("requestApproval", {
  handler: (item, context) => {
    context.log(`approval requested for ${item}`);
  },
});

df.app.activity("processApproval", {
  handler: ({ item, approved }) => `${item}: ${approved ? "approved" : "rejected"}`,
});

df.app.activity("escalateApproval", {
  handler: (item) => `${item}: escalated, nobody answered in time`,
});

app.http("raiseEventToOrchestration", {
  route: "approvals/{instanceId}",
  methods: ["POST"],
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const approved = await request.json();
    await client.raiseEvent(request.params.instanceId, "ApprovalEvent", approved);
    return { status: 202 };
  },
});
