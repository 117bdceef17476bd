// Function chaining: activities called one after the other, each awaited before the next starts.
const df = require("durable-functions");

const activityName = "hello";

df.app.orchestration("helloOrchestrator", function* (context) {
  const outputs = [];
  outputs.push(yield context.df.callActivity(activityName, "Tokyo"));
  outputs.push(yield context.df.callActivity(activityName, "Seattle"));
  outputs.push(yield context.df.callActivity(activityName, "Cairo"));

  return outputs;
});

df.app.activity(activityName, {
  handler: (input) => {
    return `Hello, ${input}`;
  },
});
