/**
 * The one rule for request bodies, on every route that takes one (start, raiseEvent, entity signal): the body
 * is JSON, whatever the Content-Type says. An empty body is no input; anything else must be valid JSON, or the
 * request is refused with 400 and nothing is started, raised or signalled. A body larger than the limit is
 * refused with 413. (Durable Functions' entity route takes a body without a JSON content type as a string;
 * taskhub does not guess: send a string as `"text"`.)
 */
import { HttpError } from "./http-error.js";

/** The body as text, or 413 when it is larger than `maxBytes` (declared or sent). */
export async function readBody(request: Request, maxBytes: number): Promise<string> {
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > maxBytes) throw new HttpError(413, `request body is larger than ${maxBytes} bytes`);
  const text = await request.text();
  if (Buffer.byteLength(text, "utf8") > maxBytes)
    throw new HttpError(413, `request body is larger than ${maxBytes} bytes`);
  return text;
}

/** The body's JSON value; undefined for an empty body; 400 for anything that is not JSON. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(
      400,
      `request body is not valid JSON (${(err as Error).message}); bodies are JSON on every route: send a string as "text"`,
    );
  }
}

export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  return parseJsonBody(await readBody(request, maxBytes));
}
