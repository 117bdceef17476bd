/**
 * The main job's second part: the two Durable Functions apps of `apps/`, unchanged, each run by its own
 * `taskhub worker --app <folder>` process (`app-host.ts`) and driven over HTTP as the Durable Functions
 * documentation's curl lines drive them. Each app is a list of steps, so that what is shown of an app is easy to
 * change.
 */
import { curl, pollStatus, type CurlOptions } from "./curl.js";

export interface FunctionsAppSample {
  /** The folder under packages/samples. */
  folder: string;
  /** The heading's text, after its number. */
  title: string;
  /** Its function chaining orchestrator (started by its HTTP starter at `/api/orchestrators/{name}`). */
  chaining: string;
  /** Run against the app's host at `base` (its URL, with `/api` as Functions serves it). */
  run(base: string, options: CurlOptions): Promise<void>;
}

async function startAndPoll(
  url: string,
  body: unknown,
  options: CurlOptions,
): Promise<{ id: string; sendEventPostUri: string; output: unknown }> {
  const started = await curl("POST", url, body, options);
  if (started.status !== 202) throw new Error(`${url} answered ${started.status}`);
  return { ...started.json, output: await pollStatus(started.json.statusQueryGetUri, options) };
}

/** GETs `url` until `matches` says its JSON body is the expected one (an entity's state after signals). */
async function readUntil(
  url: string,
  matches: (body: unknown) => boolean,
  options: CurlOptions,
): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(url, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.key ? { headers: { "x-functions-key": options.key } } : {}),
    });
    if (res.status === 200 && matches(await res.json())) {
      await curl("GET", url, undefined, options);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never reached the expected state`);
}

/** apps/v4: the v4 programming model (`@azure/functions` app.http + `durable-functions` df.app.*). */
export const V4_APP: FunctionsAppSample = {
  folder: "apps/v4",
  title: "the v4 programming model (package.json main, @azure/functions app.http, df.app.*)",
  chaining: "helloOrchestrator",
  async run(base, options) {
    console.log(
      "  function chaining, with the async HTTP API starter (httpStart: createCheckStatusResponse):",
    );
    await startAndPoll(`${base}/api/orchestrators/${V4_APP.chaining}`, undefined, options);
    console.log("  fan-out/fan-in over 20 work items:");
    await startAndPoll(`${base}/api/orchestrators/fanOutFanIn`, 20, options);
    console.log("  monitor: a job that completes at its third check, with a 1-second polling interval:");
    await startAndPoll(
      `${base}/api/orchestrators/monitorJob`,
      { jobId: "job-1", pollingIntervalSeconds: 1, expirySeconds: 60, completesAfterChecks: 3 },
      options,
    );
    console.log("  human interaction: approved with the app's raiseEventToOrchestration function:");
    const approval = await curl(
      "POST",
      `${base}/api/orchestrators/approvalWorkflow`,
      { item: "laptop" },
      options,
    );
    await curl("POST", `${base}/api/approvals/${approval.json.id}`, true, options);
    await pollStatus(approval.json.statusQueryGetUri, options);
    console.log("  rejected with the starter's sendEventPostUri:");
    const rejection = await curl(
      "POST",
      `${base}/api/orchestrators/approvalWorkflow`,
      { item: "monitor" },
      options,
    );
    await curl(
      "POST",
      rejection.json.sendEventPostUri.replace("{eventName}", "ApprovalEvent"),
      false,
      options,
    );
    await pollStatus(rejection.json.statusQueryGetUri, options);
    console.log("  nobody answers within the 2-second timeout:");
    await startAndPoll(
      `${base}/api/orchestrators/approvalWorkflow`,
      { item: "chair", timeoutSeconds: 2 },
      options,
    );
    console.log("  the Counter entity, signalled and read with the app's HTTP functions:");
    for (const n of [5, 7]) await curl("POST", `${base}/api/counters/visits/add`, n, options);
    await readUntil(`${base}/api/counters/visits`, (b) => (b as { value?: number }).value === 12, options);
  },
};

/**
 * apps/classic: the classic programming model (durable-functions 2.x: `<Function>/function.json` + index.js).
 * Its functions are those of the folder: HttpStart at `orchestrators/{functionName}`, HelloSequence (chaining),
 * FanOutFanIn, ApprovalWorkflow with RaiseApprovalEvent at `approvals/{instanceId}`, the Counter entity with
 * SignalCounter at `counters/{key}/{operation}` and ReadCounter at `counters/{key}`.
 */
export const CLASSIC_APP: FunctionsAppSample = {
  folder: "apps/classic",
  title: "the classic programming model (durable-functions 2.x, <Function>/function.json)",
  chaining: "HelloSequence",
  async run(base, options) {
    console.log(
      "  function chaining, with the async HTTP API starter (HttpStart: createCheckStatusResponse):",
    );
    await startAndPoll(`${base}/api/orchestrators/${CLASSIC_APP.chaining}`, undefined, options);
    console.log("  fan-out/fan-in over 20 work items:");
    await startAndPoll(`${base}/api/orchestrators/FanOutFanIn`, 20, options);
    console.log("  human interaction: approved with the app's RaiseApprovalEvent function:");
    const approval = await curl(
      "POST",
      `${base}/api/orchestrators/ApprovalWorkflow`,
      { item: "laptop" },
      options,
    );
    await curl("POST", `${base}/api/approvals/${approval.json.id}`, { approved: true, by: "ann" }, options);
    await pollStatus(approval.json.statusQueryGetUri, options);
    console.log("  the Counter entity, signalled and read with the app's HTTP functions:");
    for (const n of [5, 7]) await curl("POST", `${base}/api/counters/visits/add`, n, options);
    await readUntil(`${base}/api/counters/visits`, (b) => b === 12, options);
  },
};
