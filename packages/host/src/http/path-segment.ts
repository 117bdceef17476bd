/** URL path segments of the management API. */
import { InvalidArgumentError } from "@taskhub/core";

/**
 * A percent-decoded path segment. A malformed escape (`%ZZ`, a cut-off UTF-8 sequence) is the caller's
 * mistake: `InvalidArgument` (400), not the `URIError` that `decodeURIComponent` throws (which became a 500).
 */
export function decodePathSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new InvalidArgumentError(
      `${what} in the URL path is not valid percent-encoding: '${raw.slice(0, 100)}'`,
    );
  }
}
