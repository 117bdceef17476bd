// Fan-out/fan-in: one activity per work item, all running in parallel; the orchestrator waits for every one of
// them (Task.all) and sums their results.
const df = require("durable-functions");

df.app.orchestration("fanOutFanIn", function* (context) {
  const parallelTasks = [];

  // Get a list of N work items to process in parallel.
  const workBatch = yield context.df.callActivity("getWorkBatch", context.df.getInput());
  for (let i = 0; i < workBatch.length; i++) {
    parallelTasks.push(context.df.callActivity("processWorkItem", workBatch[i]));
  }

  yield context.df.Task.all(parallelTasks);

  // Aggregate all N outputs and send the result.
  const sum = parallelTasks.reduce((prev, curr) => prev + curr.result, 0);
  const sent = yield context.df.callActivity("sendResults", sum);
  return { items: workBatch.length, sum, sent };
});

df.app.activity("getWorkBatch", {
  handler: (count) => Array.from({ length: Number(count) || 10 }, (_, i) => i + 1),
});

df.app.activity("processWorkItem", {
  handler: (item) => item * item,
});

df.app.activity("sendResults", {
  handler: (sum, context) => {
    context.log(`the sum is ${sum}`);
    return `sent ${sum}`;
  },
});
