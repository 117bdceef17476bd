/** The management API's key: how long it must be, and how a presented key is compared. */
import { timingSafeEqual } from "node:crypto";
import { InvalidArgumentError } from "@taskhub/core";

export const MIN_API_KEY_LENGTH = 16;

/** Throws `InvalidArgument` for a key shorter than 16 characters; the message never quotes the key. */
export function validateApiKey(key: unknown, what = "the HTTP API key"): asserts key is string {
  if (typeof key !== "string" || key.length < MIN_API_KEY_LENGTH)
    throw new InvalidArgumentError(
      `${what} must have at least ${MIN_API_KEY_LENGTH} characters${typeof key === "string" ? ` (it has ${key.length})` : ""}; or disable the key for local development (TASKHUB_HTTP_AUTH=disabled, auth: "disabled")`,
    );
}

/** Compares in constant time; a length mismatch still does one comparison. */
export function keyMatches(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length ? timingSafeEqual(a, b) : (timingSafeEqual(b, b), false);
}
