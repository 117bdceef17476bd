/**
 * The check-status / management payload (docs/http-api.md, "Check-status payload"): all nine fields, every URL carrying
 * `taskHub`, `connection` and the key, and helpers a user's own HTTP starter can return.
 */
import type { TaskHubClient } from "../client.js";
import { sleep } from "../dispatch/wait.js";
import { throwIfAborted, type OperationOptions } from "../errors/abort.js";
import { isTerminalStatus } from "../history/events.js";
import { toStatusObject } from "./status-object.js";

export const WEBHOOK_PATH = "/runtime/webhooks/durabletask";
/** Path of the extension's keyless host-local RPC listener (`http://127.0.0.1:{port}/durabletask/`). */
export const LOCAL_RPC_PATH = "/durabletask";
/** The instance id the extension puts in the client binding's `managementUrls` (the client replaces it). */
export const INSTANCE_ID_PLACEHOLDER = "INSTANCEID";

export interface ManagementUrlOptions {
  /** `{origin}` of the host, e.g. `http://localhost:7071`. */
  origin: string;
  taskHubName: string;
  connectionName?: string;
  /** The API key, appended as `code=` when set. */
  key?: string;
}

export interface HttpManagementPayload {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  rewindPostUri: string;
  purgeHistoryDeleteUri: string;
  restartPostUri: string;
  suspendPostUri: string;
  resumePostUri: string;
}

export function createHttpManagementPayload(
  instanceId: string,
  o: ManagementUrlOptions,
): HttpManagementPayload {
  const base = `${o.origin.replace(/\/$/, "")}${WEBHOOK_PATH}/instances/${encodeURIComponent(instanceId)}`;
  const common = `taskHub=${encodeURIComponent(o.taskHubName)}&connection=${encodeURIComponent(o.connectionName ?? "Storage")}${o.key ? `&code=${encodeURIComponent(o.key)}` : ""}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${base}?${common}`,
    sendEventPostUri: `${base}/raiseEvent/{eventName}?${common}`,
    terminatePostUri: `${base}/terminate?reason={text}&${common}`,
    rewindPostUri: `${base}/rewind?reason={text}&${common}`,
    purgeHistoryDeleteUri: `${base}?${common}`,
    restartPostUri: `${base}/restart?${common}`,
    suspendPostUri: `${base}/suspend?reason={text}&${common}`,
    resumePostUri: `${base}/resume?reason={text}&${common}`,
  };
}

/** `creationUrls` of the client binding: `{functionName}` and `[/{instanceId}]` are left for the client to fill. */
export interface HttpCreationPayload {
  createNewInstancePostUri: string;
  createAndWaitOnNewInstancePostUri: string;
}

/**
 * What the Durable Functions extension passes to an out-of-process `durableClient` input binding (the
 * `durable-functions` npm package's `getClient(context)` reads it): the creation and management URL
 * templates, the webhook base URL, the key query string, and the local RPC base URL when one is served.
 */
export interface DurableClientBindingData {
  taskHubName: string;
  creationUrls: HttpCreationPayload;
  managementUrls: HttpManagementPayload;
  baseUrl: string;
  requiredQueryStringParameters: string;
  rpcBaseUrl?: string;
}

export function createDurableClientBindingData(
  o: ManagementUrlOptions & { rpcBaseUrl?: string },
): DurableClientBindingData {
  const baseUrl = `${o.origin.replace(/\/$/, "")}${WEBHOOK_PATH}`;
  const keyQuery = o.key ? `code=${encodeURIComponent(o.key)}` : "";
  const create = `${baseUrl}/orchestrators/{functionName}[/{instanceId}]`;
  return {
    taskHubName: o.taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${create}?${keyQuery}`,
      createAndWaitOnNewInstancePostUri: `${create}?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${keyQuery}`,
    },
    managementUrls: createHttpManagementPayload(INSTANCE_ID_PLACEHOLDER, o),
    baseUrl,
    requiredQueryStringParameters: keyQuery,
    ...(o.rpcBaseUrl ? { rpcBaseUrl: o.rpcBaseUrl } : {}),
  };
}

/** 202 with the payload, `Location` = status URL, `Retry-After: 10`. URL origins follow the request's. */
export function createCheckStatusResponse(
  request: Request | undefined,
  instanceId: string,
  o: ManagementUrlOptions,
): Response {
  const origin = request ? new URL(request.url).origin : o.origin;
  const payload = createHttpManagementPayload(instanceId, { ...o, origin });
  return new Response(JSON.stringify(payload), {
    status: 202,
    headers: { "content-type": "application/json", location: payload.statusQueryGetUri, "retry-after": "10" },
  });
}

/**
 * Polls the instance: Completed → 200 with the output; Terminated/Canceled → 200 with the status object;
 * Failed → 500 with the status object (as durable-functions' helper; the extension's own start-and-wait route
 * answers 200 unless asked for 500: `failedStatus`); still running at the timeout → the 202 check-status response.
 * An abort of `abortSignal` ends the wait at once with an `AbortError`.
 */
export async function waitForCompletionOrCreateCheckStatusResponse(
  request: Request | undefined,
  client: TaskHubClient,
  instanceId: string,
  o: ManagementUrlOptions &
    OperationOptions & { timeoutMs?: number; retryIntervalMs?: number; failedStatus?: 200 | 500 },
): Promise<Response> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const interval = o.retryIntervalMs ?? 1000;
  if (interval > timeoutMs)
    throw new RangeError(`retry interval ${interval} ms is longer than the timeout ${timeoutMs} ms`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    throwIfAborted(o.abortSignal, `waiting for completion of '${instanceId}'`);
    const s = await client.getOrchestrationState(instanceId, { abortSignal: o.abortSignal });
    if (s && isTerminalStatus(s.runtimeStatus)) {
      const json = (body: unknown, status: number): Response =>
        new Response(JSON.stringify(body ?? null), {
          status,
          headers: { "content-type": "application/json" },
        });
      if (s.runtimeStatus === "Completed") return json(s.output, 200);
      return json(toStatusObject(s), s.runtimeStatus === "Failed" ? (o.failedStatus ?? 500) : 200);
    }
    if (Date.now() + interval > deadline) return createCheckStatusResponse(request, instanceId, o);
    await sleep(interval, o.abortSignal);
  }
}
