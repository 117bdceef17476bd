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

// ---- .NET ticks (100 ns since 0001-01-01), for values whose ordering needs full precision -------------

/** Ticks of 1970-01-01T00:00:00Z. */
const UNIX_EPOCH_TICKS = 621_355_968_000_000_000n;
const TICKS_PER_MS = 10_000n;

/** DateTime text (any precision, `Z`, offset or none = UTC) or a `Date` → .NET ticks, keeping all 7 digits. */
export function dateTimeToTicks(value: DtfDateTime | Date): bigint {
  if (value instanceof Date) return UNIX_EPOCH_TICKS + BigInt(value.getTime()) * TICKS_PER_MS;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})?$/.exec(
    value,
  );
  if (!m) return dateTimeToTicks(parseDtfDateTime(value));
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  let ticks = UNIX_EPOCH_TICKS + BigInt(d.getTime()) * TICKS_PER_MS + BigInt((m[7] ?? "").padEnd(7, "0"));
  const zone = m[8];
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1n : 1n;
    const minutes = BigInt(Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    ticks -= sign * minutes * 60n * 1000n * TICKS_PER_MS;
  }
  return ticks;
}

/** Milliseconds since the Unix epoch (sub-millisecond ticks truncated). */
export function ticksToMs(ticks: bigint): number {
  const rel = ticks - UNIX_EPOCH_TICKS;
  const ms = rel / TICKS_PER_MS;
  return Number(rel < 0n && rel % TICKS_PER_MS !== 0n ? ms - 1n : ms);
}

/**
 * Ticks → DateTime text as .NET writes it. `"json"`: Newtonsoft's round-trip form (fraction without
 * trailing zeros, `Z`; `DateTime.MinValue` as the kind-less `0001-01-01T00:00:00`). `"o"`: always seven
 * fractional digits and `Z`.
 */
export function ticksToDateTime(ticks: bigint, format: "json" | "o" = "json"): DtfDateTime {
  if (ticks === 0n && format === "json") return "0001-01-01T00:00:00";
  const frac = Number(((ticks % TICKS_PER_MS) + TICKS_PER_MS) % TICKS_PER_MS);
  const d = new Date(ticksToMs(ticks));
  const base = `${String(d.getUTCFullYear()).padStart(4, "0")}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  const digits = `${String(d.getUTCMilliseconds()).padStart(3, "0")}${String(frac).padStart(4, "0")}`;
  if (format === "o") return `${base}.${digits}Z`;
  const trimmed = digits.replace(/0+$/, "");
  return trimmed ? `${base}.${trimmed}Z` : `${base}Z`;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}
