/**
 * Continuation tokens are opaque: a client sends back what a listing gave it (`x-ms-continuation-token`, the
 * CLI's `--continuation-token`). The backend refuses one that no listing returned with `InvalidArgument`
 * (400, exit 2): the caller's mistake, not a server failure.
 */
import type { Page, PagedAsyncIterable } from "@taskhub/core";

/** The page that `token` continues to (the first page without one). */
export async function pageAt<T>(
  list: PagedAsyncIterable<T>,
  token: string | undefined,
): Promise<Page<T> | undefined> {
  const { value } = await list.byPage({ continuationToken: token }).next();
  return value;
}
