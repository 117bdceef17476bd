/**
 * Span ids that an orchestration step derives instead of drawing at random, so that a step that runs again
 * (its worker died after sending its messages but before writing its history) stamps the same ids into the
 * same messages: the activity that ran for the first attempt's message and the history the second attempt
 * wrote then name one span. DTF draws these at random (`ActivitySpanId.CreateRandom()`); only their
 * uniqueness within a trace matters to a trace viewer.
 */
import { createHash } from "node:crypto";
import { INVALID_SPANID, INVALID_TRACEID } from "@opentelemetry/api";

/** 16 hex digits, never all zero, from the SHA-256 of the parts (each part delimited, so none can bleed into the next). */
export function deriveSpanId(...parts: readonly (string | number)[]): string {
  const id = digest(parts).slice(0, 16);
  return id === INVALID_SPANID ? "0000000000000001" : id;
}

/** 32 hex digits, never all zero: the trace id of a trace a step starts (continue-as-new into a new trace). */
export function deriveTraceId(...parts: readonly (string | number)[]): string {
  const id = digest(["trace", ...parts]).slice(0, 32);
  return id === INVALID_TRACEID ? "00000000000000000000000000000001" : id;
}

function digest(parts: readonly (string | number)[]): string {
  const hash = createHash("sha256");
  for (const p of parts) hash.update(`${String(p).length}:${p};`);
  return hash.digest("hex");
}
