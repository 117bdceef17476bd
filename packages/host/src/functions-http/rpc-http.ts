/**
 * HTTP between the host and `@azure/functions`' invocation path, in the shape the Functions host sends to and
 * receives from a Node.js worker (the worker asks for the body as raw bytes, `RawHttpBodyBytes`):
 *
 * - request: the absolute URL, the method, headers with lower-case names, the query (empty values left out,
 *   repeated ones joined with a comma, as the host's query dictionary has them), the route parameters, and the
 *   body as bytes when there is one;
 * - response: `statusCode`, headers, cookies (written as `Set-Cookie`) and the body bytes. A function that returns
 *   nothing answers 204.
 */
import type { RpcHttpCookie, RpcHttpData, RpcTypedData } from "./core-types.js";

export async function toRpcHttpRequest(
  request: Request,
  params: Record<string, string>,
): Promise<RpcHttpData> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
  const query: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const value = url.searchParams
      .getAll(key)
      .filter((v) => v !== "")
      .join(",");
    if (value !== "") query[key] = value;
  }
  const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
  return {
    method: request.method,
    url: request.url,
    headers,
    query,
    params,
    ...(body && body.length > 0 ? { body: { bytes: body } } : {}),
  };
}

function bodyBytes(data: RpcTypedData | null | undefined): Uint8Array | string | undefined {
  if (!data) return undefined;
  if (data.bytes) return data.bytes;
  if (data.stream) return data.stream;
  if (typeof data.string === "string") return data.string;
  if (typeof data.json === "string") return data.json;
  if (typeof data.int === "number") return String(data.int);
  if (typeof data.double === "number") return String(data.double);
  return undefined;
}

/** RFC 6265 `Set-Cookie`, from `@azure/functions`' cookie as it sends it. */
export function toSetCookie(c: RpcHttpCookie): string {
  const parts = [`${c.name ?? ""}=${c.value ?? ""}`];
  if (c.domain?.value) parts.push(`Domain=${c.domain.value}`);
  if (c.path?.value) parts.push(`Path=${c.path.value}`);
  const expires = c.expires?.value;
  if (expires && typeof expires.seconds === "number")
    parts.push(
      `Expires=${new Date(expires.seconds * 1000 + Math.floor((expires.nanos ?? 0) / 1e6)).toUTCString()}`,
    );
  if (typeof c.maxAge?.value === "number") parts.push(`Max-Age=${Math.trunc(c.maxAge.value)}`);
  if (c.secure?.value) parts.push("Secure");
  if (c.httpOnly?.value) parts.push("HttpOnly");
  if (c.sameSite === "lax") parts.push("SameSite=Lax");
  else if (c.sameSite === "strict") parts.push("SameSite=Strict");
  else if (c.sameSite === "explicitNone") parts.push("SameSite=None");
  return parts.join("; ");
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export function fromRpcHttpResponse(data: RpcTypedData | null | undefined): Response {
  const http = data?.http;
  if (!http) return new Response(null, { status: 204 });
  const status = http.statusCode ? Number(http.statusCode) : 200;
  if (!Number.isInteger(status) || status < 200 || status > 599)
    throw new Error(
      `the function answered the status '${http.statusCode}', not an HTTP status from 200 to 599`,
    );
  const headers = new Headers();
  for (const [name, value] of Object.entries(http.headers ?? {})) headers.set(name, value);
  for (const cookie of http.cookies ?? []) headers.append("set-cookie", toSetCookie(cookie));
  const body = NULL_BODY_STATUSES.has(status) ? undefined : bodyBytes(http.body);
  return new Response(body as ConstructorParameters<typeof Response>[0], { status, headers });
}
