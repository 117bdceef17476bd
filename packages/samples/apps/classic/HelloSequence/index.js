// Function chaining: three activity calls, one after the other; each yield waits for the activity's result.
const df = require("durable-functions");

module.exports = df.orchestrator(function* (context) {
  const outputs = [];
  outputs.push(yield context.df.callActivity("SayHello", "Tokyo"));
  outputs.push(yield context.df.callActivity("SayHello", "Seattle"));
  outputs.push(yield context.df.callActivity("SayHello", "London"));

  // returns ["Hello Tokyo!", "Hello Seattle!", "Hello London!"]
  return outputs;
});
