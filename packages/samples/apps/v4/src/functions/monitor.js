// Monitor: poll a job's status with a durable timer between checks until the job completes (then send an
// alert) or the monitor expires. The job here is simulated: it completes after `completesAfterChecks` checks,
// or never when that is not given.
const df = require("durable-functions");

df.app.orchestration("monitorJob", function* (context) {
  const {
    jobId,
    pollingIntervalSeconds = 30,
    expirySeconds = 3600,
    completesAfterChecks,
  } = context.df.getInput();
  const expiryTime = new Date(context.df.currentUtcDateTime.getTime() + expirySeconds * 1000);

  let checks = 0;
  while (context.df.currentUtcDateTime < expiryTime) {
    checks++;
    const jobStatus = yield context.df.callActivity("getJobStatus", {
      jobId,
      checks,
      completesAfterChecks,
    });
    context.df.setCustomStatus({ checks, jobStatus });
    if (jobStatus === "Completed") {
      // Perform an action when a condition is met.
      yield context.df.callActivity("sendAlert", { jobId, checks });
      return { jobId, status: "Completed", checks };
    }

    // Orchestration sleeps until this time.
    const nextCheck = new Date(context.df.currentUtcDateTime.getTime() + pollingIntervalSeconds * 1000);
    yield context.df.createTimer(nextCheck);
  }

  return { jobId, status: "Expired", checks };
});

df.app.activity("getJobStatus", {
  handler: ({ checks, completesAfterChecks }) =>
    completesAfterChecks !== undefined && checks >= completesAfterChecks ? "Completed" : "Running",
});

df.app.activity("sendAlert", {
  handler: ({ jobId, checks }, context) => {
    const alert = `job ${jobId} completed after ${checks} checks`;
    context.log(alert);
    return alert;
  },
});
