/**
 * Continuation tokens of table queries (instance and entity listings) are the `@azure/data-tables` SDK's:
 * base64 of `{"nextPartitionKey": ..., "nextRowKey"?: ...}`, opaque to callers. A token that is not of that
 * shape is the caller's mistake, reported before any request is made.
 */
import { InvalidArgumentError } from "@taskhub/core";

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Throws `InvalidArgument` unless `token` is a table continuation token (as a listing returned it). */
export function validateContinuationToken(token: string): void {
  if (!isTableContinuationToken(token))
    throw new InvalidArgumentError(
      `continuation token ${JSON.stringify(token.length > 100 ? `${token.slice(0, 100)}...` : token)} is not one that a listing returned: pass back the token of the previous page unchanged`,
    );
}

function isTableContinuationToken(token: string): boolean {
  if (!BASE64.test(token) || token.length % 4 === 1) return false;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  } catch {
    return false; // its base64 does not decode to JSON: not a table token
  }
  if (decoded === null || typeof decoded !== "object" || Array.isArray(decoded)) return false;
  const { nextPartitionKey, nextRowKey } = decoded as Record<string, unknown>;
  return (
    typeof nextPartitionKey === "string" &&
    nextPartitionKey !== "" &&
    (nextRowKey === undefined || typeof nextRowKey === "string")
  );
}
