/**
 * The JSON a user types (an event's payload, an entity operation's input): valid JSON or nothing.
 * Empty (or only white space) means no input; the request body is then empty, which the management API takes
 * as `null`. Anything else must parse, and the error says where it does not.
 */
export type JsonInput = { ok: true; body: string } | { ok: false; error: string };

export function checkJsonInput(text: string): JsonInput {
  if (text.trim() === "") return { ok: true, body: "" };
  try {
    JSON.parse(text);
    return { ok: true, body: text };
  } catch (e) {
    return {
      ok: false,
      error: `Not valid JSON: ${(e as Error).message}. A text is written with quotes: "text".`,
    };
  }
}
