/**
 * Listings as the Azure SDKs shape them: an async iterator of items whose `byPage()` yields whole pages,
 * resuming from a continuation token, at most `maxPageSize` items each.
 */
import type { Page } from "../backend/service.js";

export interface PageSettings {
  /** Resume after the page that returned this token. */
  continuationToken?: string;
  /** At most this many items per page (overrides the listing's own `maxPageSize`). */
  maxPageSize?: number;
}

export interface PagedAsyncIterable<T> extends AsyncIterable<T> {
  byPage(settings?: PageSettings): AsyncIterableIterator<Page<T>>;
}

/** A listing over `fetchPage(token, maxPageSize)`, which answers one page and the next page's token. */
export function pagedAsyncIterable<T>(
  fetchPage: (continuationToken: string | undefined, maxPageSize: number | undefined) => Promise<Page<T>>,
): PagedAsyncIterable<T> {
  async function* pages(settings: PageSettings): AsyncGenerator<Page<T>> {
    let token = settings.continuationToken;
    do {
      const page = await fetchPage(token, settings.maxPageSize);
      yield page;
      token = page.continuationToken;
    } while (token);
  }
  return {
    async *[Symbol.asyncIterator]() {
      for await (const page of pages({})) yield* page.items;
    },
    byPage: (settings = {}) => pages(settings),
  };
}
