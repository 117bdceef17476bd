/** Small helpers the samples' HTTP functions share: JSON bodies and 400 answers. */
import type { DurableClient, HttpRequest, HttpResponseInit } from "@taskhub/durable-functions";

export class BadRequest extends Error {}

export function badRequest(message: string): HttpResponseInit {
  return { status: 400, jsonBody: { error: message } };
}

/** The body as JSON (an empty body is undefined); a malformed body throws `BadRequest`. */
export async function jsonBody<T = unknown>(request: HttpRequest): Promise<T | undefined> {
  const text = await request.text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new BadRequest("the request body must be JSON");
  }
}

/** Runs an HTTP function body, answering 400 for `BadRequest` and for an orchestrator name that does not exist. */
export async function answer(
  fn: () => Promise<Response | HttpResponseInit>,
): Promise<Response | HttpResponseInit> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof BadRequest) return badRequest(err.message);
    if (err instanceof Error && /doesn't exist, is disabled, or is not an orchestrator/.test(err.message))
      return badRequest(err.message);
    throw err;
  }
}

/** Starts `name` and answers 202 with the management URLs (the async HTTP API contract). */
export async function startAndCheck(
  request: HttpRequest,
  client: DurableClient,
  name: string,
  input: unknown,
): Promise<Response> {
  const instanceId = await client.startNew(name, { input });
  return client.createCheckStatusResponse(request, instanceId);
}
