/**
 * What the main job prints for every HTTP request it sends: the curl line that does the same, then the answer
 * (status and body; for a starter's 202 its Location). `pollStatus` polls a status URL as a client of the async
 * HTTP API does, printing the first poll and the last.
 */

export interface CurlOptions {
  /** Aborts the request (Ctrl+C). */
  signal?: AbortSignal;
  /** The host key, sent as `x-functions-key` (printed as `$TASKHUB_HTTP_KEY`, never its value). */
  key?: string;
}

export interface CurlAnswer {
  status: number;
  json: any;
  location: string | null;
}

export function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Prints the curl line for the request, sends it, prints the answer's status and body. */
export async function curl(
  method: "GET" | "POST",
  url: string,
  body?: unknown,
  options: CurlOptions = {},
): Promise<CurlAnswer> {
  const data = body === undefined ? "" : ` -H 'Content-Type: application/json' -d '${JSON.stringify(body)}'`;
  const key = options.key ? ` -H "x-functions-key: $TASKHUB_HTTP_KEY"` : "";
  console.log(`  $ curl -s${method === "POST" ? " -X POST" : ""} '${url}'${key}${data}`);
  const res = await fetch(url, {
    method,
    ...(options.signal ? { signal: options.signal } : {}),
    headers: {
      "content-type": "application/json",
      ...(options.key ? { "x-functions-key": options.key } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined; // not JSON: printed as it is
  }
  const location = res.headers.get("location");
  const answer = json as { id?: string; statusQueryGetUri?: string } | undefined;
  if (res.status === 202 && answer?.statusQueryGetUri)
    console.log(
      `  ← 202 Accepted, Location: ${location}  (id ${answer.id}; also sendEventPostUri, terminatePostUri, purgeHistoryDeleteUri, ...)`,
    );
  else console.log(`  ← ${res.status} ${clip(text) || (res.status === 202 ? "Accepted" : "")}`);
  return { status: res.status, json, location };
}

/** Polls a status URL (printing the first poll and the last): 202 while running, then 200 with the output. */
export async function pollStatus(statusUrl: string, options: CurlOptions = {}): Promise<unknown> {
  const started = Date.now();
  let polls = 0;
  for (;;) {
    const res = await fetch(statusUrl, options.signal ? { signal: options.signal } : {});
    const status = (await res.json()) as { runtimeStatus: string; customStatus?: unknown; output?: unknown };
    polls++;
    if (polls === 1) {
      console.log(`  $ curl -s '${statusUrl}'`);
      if (res.status === 202)
        console.log(
          `  ← 202 ${status.runtimeStatus}${status.customStatus !== null && status.customStatus !== undefined ? ` (customStatus ${JSON.stringify(status.customStatus)})` : ""}  ... polling`,
        );
    }
    if (res.status !== 202) {
      console.log(
        `  ← ${res.status} ${status.runtimeStatus} ${clip(JSON.stringify(status.output))}  (after ${polls} poll${polls > 1 ? "s" : ""}, ${Date.now() - started} ms)`,
      );
      return status.output;
    }
    if (Date.now() - started > 120_000)
      throw new Error(`${statusUrl} still ${status.runtimeStatus} after 2 minutes`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
