/**
 * Conversions between JS `Date` and DTF's DateTime text. .NET writes UTC round-trip strings with up to
 * seven fractional digits; a JS `Date` keeps milliseconds only, so history keeps the raw string and only
 * converts when arithmetic is needed.
 */
import type { DtfDateTime } from "./events.js";

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})?$/;

/** `Date` → `2024-01-02T03:04:05.123Z` (milliseconds; the shape JS and .NET both parse). */
export function toDtfDateTime(d: Date | number | DtfDateTime): DtfDateTime {
  if (typeof d === "string") return d;
  const date = typeof d === "number" ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) throw new RangeError("invalid date");
  return date.toISOString();
}

/** Parse DTF DateTime text (any precision, `Z` or offset; no suffix is taken as UTC) into a `Date`. */
export function parseDtfDateTime(s: DtfDateTime): Date {
  const m = ISO.exec(s);
  if (!m) {
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) throw new RangeError(`invalid DateTime: ${s}`);
    return d;
  }
  const frac = (m[2] ?? "").padEnd(3, "0").slice(0, 3);
  return new Date(`${m[1]}.${frac}${m[3] ?? "Z"}`);
}

/** Milliseconds since the epoch of a DTF DateTime. */
export function dtfTimeMs(s: DtfDateTime): number {
  return parseDtfDateTime(s).getTime();
}

/**
 * .NET's round-trip `"o"` format of a UTC DateTime: always seven fractional digits and `Z`
 * (`2024-01-02T03:04:05.0000000Z`). Digits beyond milliseconds are kept from the raw string.
 */
export function toDotNetRoundTrip(s: DtfDateTime | Date): string {
  if (s instanceof Date) return s.toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
  const m = ISO.exec(s);
  if (m && (m[3] === undefined || m[3] === "Z")) return `${m[1]}.${(m[2] ?? "").padEnd(7, "0")}Z`;
  return toDotNetRoundTrip(parseDtfDateTime(s));
}
