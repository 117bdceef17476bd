/**
 * Pattern 3, async HTTP APIs. `HttpStart` (POST /api/orchestrators/{name}) starts any orchestration with
 * the request body as input and answers 202 with `Location` (the status URL) and the management URLs;
 * polling the status URL gives 202 while the instance runs and 200 with the output once it is done.
 * `HttpStartAndWait` (POST /api/orchestrators/{name}/wait) waits up to `?timeout=` seconds (default 30) for
 * the output, and falls back to the same 202 answer. `AsyncReport` (POST /api/reports/{region}) is the
 * long-running job to poll for: `BuildReport` takes REPORT_WORK_SECONDS (default 3 s).
 */
import * as df from "@taskhub/durable-functions";
import type { DurableClient, HttpRequest, OrchestrationContext } from "@taskhub/durable-functions";
import { answer, jsonBody, startAndCheck } from "./http-util.js";
import { reportWorkSeconds } from "./settings.js";

df.app.client.http("HttpStart", {
  route: "orchestrators/{orchestratorName}",
  methods: ["POST"],
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, client: DurableClient) =>
    answer(async () =>
      startAndCheck(request, client, request.params.orchestratorName!, await jsonBody(request)),
    ),
});

df.app.client.http("HttpStartAndWait", {
  route: "orchestrators/{orchestratorName}/wait",
  methods: ["POST"],
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, client: DurableClient) =>
    answer(async () => {
      const instanceId = await client.startNew(request.params.orchestratorName!, {
        input: await jsonBody(request),
      });
      const timeoutInMilliseconds = Number(request.query.get("timeout") ?? 30) * 1000;
      return client.waitForCompletionOrCreateCheckStatusResponse(request, instanceId, {
        timeoutInMilliseconds,
        retryIntervalInMilliseconds: 200,
      });
    }),
});

export interface Report {
  region: string;
  rows: number;
  workSeconds: number;
}

df.app.activity("BuildReport", {
  handler: async ({ region, workSeconds }: { region: string; workSeconds: number }): Promise<Report> => {
    await new Promise((r) => setTimeout(r, workSeconds * 1000));
    return { region, rows: region.length * 100, workSeconds };
  },
});

df.app.orchestration("AsyncReport", function* (context: OrchestrationContext) {
  const { region = "west", workSeconds = 3 } =
    context.df.getInput<{ region?: string; workSeconds?: number }>() ?? {};
  context.df.setCustomStatus("building");
  const report: Report = yield context.df.callActivity("BuildReport", { region, workSeconds });
  context.df.setCustomStatus("built");
  return report;
});

df.app.client.http("StartReport", {
  route: "reports/{region}",
  methods: ["POST"],
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, client: DurableClient) =>
    answer(() =>
      startAndCheck(request, client, "AsyncReport", {
        region: request.params.region,
        workSeconds: reportWorkSeconds(),
      }),
    ),
});
