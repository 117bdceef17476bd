/**
 * Continuation tokens are opaque: a client sends back what a listing gave it (`x-ms-continuation-token`, the
 * CLI's `--continuation-token`). One that the backend cannot decode is the caller's mistake (`InvalidArgument`:
 * 400, exit 2), not a server failure.
 */
import { InvalidArgumentError, TaskHubError, type Page, type PagedAsyncIterable } from "@taskhub/core";

/**
 * True when a listing failed because its continuation token could not be decoded: the backend says
 * `InvalidArgument`, or decoding it threw a `SyntaxError` (Azure Storage's tokens are base64 JSON), somewhere
 * in the error's `cause` chain.
 */
export function isMalformedContinuationToken(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++, e = e.cause) {
    if (e instanceof SyntaxError) return true;
    if (e instanceof TaskHubError && e.code === "InvalidArgument") return true;
  }
  return false;
}

/** The page that `token` continues to (the first page without one); a token that cannot be decoded is `InvalidArgument`. */
export async function pageAt<T>(list: PagedAsyncIterable<T>, token: string | undefined): Promise<Page<T> | undefined> {
  try {
    const { value } = await list.byPage({ continuationToken: token }).next();
    return value;
  } catch (err) {
    if (token !== undefined && isMalformedContinuationToken(err))
      throw new InvalidArgumentError(
        `continuation token ${JSON.stringify(token.slice(0, 100))} is not one that a listing returned (send back the x-ms-continuation-token header or the --continuation-token a listing gave, unchanged)`,
      );
    throw err;
  }
}
