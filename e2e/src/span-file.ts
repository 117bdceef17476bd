/**
 * Tracing in e2e worker processes: with TASKHUB_SPANS_FILE set, a worker registers an OpenTelemetry SDK whose
 * finished spans are appended to that file, one JSON line each (`FileSpan`), synchronously, so that a test
 * can read the spans of every process of a run. The test process registers one for its client the same way.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";

export interface FileSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string | undefined;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string | undefined };
  /** Start and end, ms since the epoch. */
  start: number;
  end: number;
  /** The process that emitted it. */
  worker: string;
}

const ms = (t: [number, number]): number => t[0] * 1000 + t[1] / 1e6;

export function registerSpanFile(file: string, worker: string): void {
  const exporter: SpanExporter = {
    export(spans: ReadableSpan[], done) {
      for (const s of spans) {
        const line: FileSpan = {
          name: s.name,
          kind: s.kind,
          traceId: s.spanContext().traceId,
          spanId: s.spanContext().spanId,
          parentSpanId: s.parentSpanContext?.spanId,
          attributes: { ...s.attributes },
          status: { ...s.status },
          start: ms(s.startTime),
          end: ms(s.endTime),
          worker,
        };
        appendFileSync(file, JSON.stringify(line) + "\n");
      }
      done({ code: 0 });
    },
    shutdown: async () => {},
  };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
}

export function readSpanFile(file: string): FileSpan[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FileSpan);
}
