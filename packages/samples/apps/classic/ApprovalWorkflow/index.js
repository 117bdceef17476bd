// Human interaction: ask for an approval, then wait for the ApprovalEvent or a durable timer, whichever comes
// first. Raise the event with the RaiseApprovalEvent function (POST /api/approvals/{instanceId}) or with the
// sendEventPostUri of the starter's answer.
const df = require("durable-functions");

module.exports = df.orchestrator(function* (context) {
  const request = context.df.getInput(); // { item, timeoutSeconds? }
  yield context.df.callActivity("RequestApproval", request);

  const timeoutSeconds = request.timeoutSeconds || 72 * 60 * 60;
  const dueTime = new Date(context.df.currentUtcDateTime.getTime() + timeoutSeconds * 1000);
  const durableTimeout = context.df.createTimer(dueTime);
  const approvalEvent = context.df.waitForExternalEvent("ApprovalEvent");

  const winner = yield context.df.Task.any([approvalEvent, durableTimeout]);
  if (winner === approvalEvent) {
    durableTimeout.cancel();
    return yield context.df.callActivity("ProcessApproval", { item: request.item, ...approvalEvent.result });
  }
  return yield context.df.callActivity("Escalate", request);
});
