/**
 * Pattern 4, monitor: poll a job's status with a durable timer between checks until it completes (then send
 * an alert) or the monitor's expiry time passes. POST /api/monitors/{jobId} with
 * `{ "pollingIntervalSeconds": 1, "expirySeconds": 30, "jobCompletesAfterChecks": 3 }` submits a simulated job
 * to `jobs` (a stand-in for an external system; without `jobCompletesAfterChecks` it never completes) and
 * starts `Monitor` for it.
 */
import * as df from "@taskhub/durable-functions";
import type { DurableClient, HttpRequest, OrchestrationContext } from "@taskhub/durable-functions";
import { answer, BadRequest, jsonBody, startAndCheck } from "./http-util.js";
import { send } from "./outbox.js";

/** The simulated external job system: a job reports Completed from its n-th status check on. */
export const jobs = new Map<string, { completesAfterChecks: number | null; checks: number }>();

export interface MonitorInput {
  jobId: string;
  pollingIntervalSeconds: number;
  expirySeconds: number;
}

export interface MonitorOutput {
  jobId: string;
  status: "Completed" | "Expired";
  checks: number;
}

df.app.activity("GetJobStatus", {
  handler: (jobId: string) => {
    const job = jobs.get(jobId);
    if (!job) return "Unknown";
    job.checks++;
    return job.completesAfterChecks !== null && job.checks >= job.completesAfterChecks
      ? "Completed"
      : "Running";
  },
});

df.app.activity("SendAlert", {
  handler: (message: string) => {
    send("alert", message);
  },
});

df.app.orchestration("Monitor", function* (context: OrchestrationContext) {
  const { jobId, pollingIntervalSeconds, expirySeconds } = context.df.getInput<MonitorInput>();
  // The first episode's time on every replay, so the expiry is the same each time.
  const expiryTime = context.df.currentUtcDateTime.getTime() + expirySeconds * 1000;
  let checks = 0;
  while (context.df.currentUtcDateTime.getTime() < expiryTime) {
    const status: string = yield context.df.callActivity("GetJobStatus", jobId);
    checks++;
    context.df.setCustomStatus({ checks, jobStatus: status });
    if (status === "Completed") {
      yield context.df.callActivity("SendAlert", `job ${jobId} completed after ${checks} checks`);
      return { jobId, status: "Completed", checks } satisfies MonitorOutput;
    }
    const nextCheck = Math.min(
      context.df.currentUtcDateTime.getTime() + pollingIntervalSeconds * 1000,
      expiryTime,
    );
    yield context.df.createTimer(new Date(nextCheck));
  }
  return { jobId, status: "Expired", checks } satisfies MonitorOutput;
});

df.app.client.http("StartMonitor", {
  route: "monitors/{jobId}",
  methods: ["POST"],
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, client: DurableClient) =>
    answer(async () => {
      const jobId = request.params.jobId!;
      const body =
        (await jsonBody<{
          pollingIntervalSeconds?: number;
          expirySeconds?: number;
          jobCompletesAfterChecks?: number;
        }>(request)) ?? {};
      const pollingIntervalSeconds = body.pollingIntervalSeconds ?? 5;
      const expirySeconds = body.expirySeconds ?? 60;
      if (!(pollingIntervalSeconds > 0) || !(expirySeconds > 0))
        throw new BadRequest("pollingIntervalSeconds and expirySeconds must be positive numbers");
      jobs.set(jobId, { completesAfterChecks: body.jobCompletesAfterChecks ?? null, checks: 0 });
      return startAndCheck(request, client, "Monitor", {
        jobId,
        pollingIntervalSeconds,
        expirySeconds,
      } satisfies MonitorInput);
    }),
});
