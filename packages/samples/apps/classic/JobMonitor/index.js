// Monitor: check a job's status, sleep on a durable timer, check again, until the job completes or the
// monitor expires. While it sleeps, the orchestration is unloaded and uses no worker.
const df = require("durable-functions");

module.exports = df.orchestrator(function* (context) {
  const {
    jobId,
    completesOnCheck,
    pollingIntervalSeconds = 30,
    expirySeconds = 3600,
  } = context.df.getInput();
  const expiryTime = addSeconds(context.df.currentUtcDateTime, expirySeconds);

  let checks = 0;
  while (context.df.currentUtcDateTime < expiryTime) {
    checks++;
    const jobStatus = yield context.df.callActivity("GetJobStatus", {
      jobId,
      completesOnCheck,
      check: checks,
    });
    context.df.setCustomStatus({ checks, jobStatus });

    if (jobStatus === "Completed") {
      const alert = yield context.df.callActivity("SendAlert", { jobId, checks });
      return { jobId, status: "Completed", checks, alert };
    }

    // Sleep until the next check (never past the expiry time).
    const nextCheck = addSeconds(context.df.currentUtcDateTime, pollingIntervalSeconds);
    yield context.df.createTimer(nextCheck < expiryTime ? nextCheck : expiryTime);
  }

  if (!context.df.isReplaying) context.log(`Monitor of job ${jobId} expired after ${checks} checks.`);
  return { jobId, status: "Expired", checks };
});

function addSeconds(date, seconds) {
  return new Date(date.getTime() + seconds * 1000);
}
