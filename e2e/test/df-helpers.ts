/** Helpers for driving the `durable-functions` 3.x client outside an Azure Functions worker. */
import * as df from "durable-functions";

type InvocationContext = Parameters<typeof df.getClient>[0];

/**
 * The slice of `@azure/functions`' InvocationContext that `df.getClient` reads: the registered extra inputs
 * (one `durableClient` input) and the value the worker received for it (the extension's binding payload).
 */
export function fakeInvocationContext(bindingData: unknown): InvocationContext {
  const input = df.input.durableClient();
  return {
    invocationId: "00000000-0000-0000-0000-000000000000",
    functionName: "HttpStart",
    options: { trigger: { type: "httpTrigger", name: "req" }, extraInputs: [input], extraOutputs: [] },
    extraInputs: { get: (i: unknown) => (i === input ? bindingData : undefined), set: () => undefined },
  } as unknown as InvocationContext;
}

export interface RecordedCall {
  method: string;
  url: string;
  status: number;
  data: unknown;
  /** `x-ms-continuation-token` sent with the request. */
  sentToken: string | undefined;
  /** `x-ms-continuation-token` received with the response. */
  receivedToken: string | undefined;
}

interface AxiosResponseLike {
  status: number;
  data: unknown;
  headers: Record<string, unknown>;
  config: {
    method?: string;
    url?: string;
    headers?: Record<string, unknown> | { get(name: string): unknown };
  };
}

function header(
  h: AxiosResponseLike["config"]["headers"] | Record<string, unknown>,
  name: string,
): string | undefined {
  if (!h) return undefined;
  const v =
    typeof (h as { get?: unknown }).get === "function"
      ? (h as { get(n: string): unknown }).get(name)
      : (h as Record<string, unknown>)[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * Records every HTTP exchange of the client (method, URL, status, parsed body, continuation tokens) through
 * its own axios instance, to check what went over the wire (e.g. `historyEvents`, which the 3.x client drops).
 */
export function recordCalls(client: df.DurableClient): RecordedCall[] {
  const calls: RecordedCall[] = [];
  const axios = (
    client as unknown as {
      axiosInstance: {
        interceptors: { response: { use(f: (r: AxiosResponseLike) => AxiosResponseLike): void } };
      };
    }
  ).axiosInstance;
  axios.interceptors.response.use((r) => {
    calls.push({
      method: (r.config.method ?? "").toUpperCase(),
      url: r.config.url ?? "",
      status: r.status,
      data: r.data,
      sentToken: header(r.config.headers, "x-ms-continuation-token"),
      receivedToken: header(r.headers as Record<string, unknown>, "x-ms-continuation-token"),
    });
    return r;
  });
  return calls;
}

export async function waitUntil(
  cond: () => Promise<boolean>,
  what: () => string,
  timeoutMs = 20_000,
): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
