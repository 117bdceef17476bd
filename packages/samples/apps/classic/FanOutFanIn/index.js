// Fan-out/fan-in: one ProcessWorkItem per item of the batch, all running at once; then their results together.
const df = require("durable-functions");

module.exports = df.orchestrator(function* (context) {
  const size = context.df.getInput() || 10;
  const workBatch = yield context.df.callActivity("GetWorkBatch", size);

  // Fan out: schedule every item's activity without waiting for any of them.
  const parallelTasks = workBatch.map((item) => context.df.callActivity("ProcessWorkItem", item));

  // Fan in: wait for all of them; the results come in the order of the tasks.
  const results = yield context.df.Task.all(parallelTasks);

  const total = results.reduce((sum, result) => sum + result, 0);
  return { items: results.length, total };
});
