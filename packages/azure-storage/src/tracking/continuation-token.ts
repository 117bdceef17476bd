/**
 * Continuation tokens of table queries (instance and entity listings) are the `@azure/data-tables` SDK's:
 * base64 of `{"nextPartitionKey": ..., "nextRowKey"?: ...}`, opaque to callers. An instance listing that
 * filters rows itself and ends its page inside a table page gives its own: base64 of
 * `{"afterPartitionKey": ...}`, the last row it took (the next page reads the rows after it). A token that is
 * not of either shape is the caller's mistake, reported before any request is made.
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

/** Where an instance listing resumes: a table token for the SDK, or the PartitionKey of the last row taken. */
export type InstanceListingPosition = { tableToken: string } | { afterPartitionKey: string };

/** The position `token` names (`InvalidArgument` unless a listing returned it). */
export function parseInstanceListingToken(token: string): InstanceListingPosition {
  const decoded = decodeTokenObject(token);
  const after = decoded?.afterPartitionKey;
  if (typeof after === "string" && after !== "" && Object.keys(decoded!).length === 1)
    return { afterPartitionKey: after };
  validateContinuationToken(token);
  return { tableToken: token };
}

/** The token that resumes an instance listing after the row whose PartitionKey is `partitionKey`. */
export function afterPartitionKeyToken(partitionKey: string): string {
  return Buffer.from(JSON.stringify({ afterPartitionKey: partitionKey }), "utf8").toString("base64");
}

function decodeTokenObject(token: string): Record<string, unknown> | undefined {
  if (!BASE64.test(token) || token.length % 4 === 1) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  } catch {
    return undefined; // its base64 does not decode to JSON: not a token
  }
  if (decoded === null || typeof decoded !== "object" || Array.isArray(decoded)) return undefined;
  return decoded as Record<string, unknown>;
}

function isTableContinuationToken(token: string): boolean {
  const decoded = decodeTokenObject(token);
  if (!decoded) return false;
  const { nextPartitionKey, nextRowKey } = decoded;
  return (
    typeof nextPartitionKey === "string" &&
    nextPartitionKey !== "" &&
    (nextRowKey === undefined || typeof nextRowKey === "string")
  );
}
