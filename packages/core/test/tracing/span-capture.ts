// Test helper: an OpenTelemetry SDK that keeps finished spans in memory, registered globally for one test
// file (the way a user registers theirs), with the async-hooks context manager so that active spans flow
// through awaits.
import { context, trace, type SpanKind } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";

export interface SpanCapture {
  readonly exporter: InMemorySpanExporter;
  /** Finished spans of the DurableTask.Core tracer (and of the test's own tracer), in end order. */
  spans(): ReadableSpan[];
  /** The one finished span with that name (fails when there are none or several). */
  one(name: string): ReadableSpan;
  named(name: string): ReadableSpan[];
  childrenOf(span: ReadableSpan): ReadableSpan[];
  reset(): void;
  uninstall(): Promise<void>;
}

export function installSpanCapture(): SpanCapture {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(contextManager))
    throw new Error("a context manager is registered already");
  if (!trace.setGlobalTracerProvider(provider)) throw new Error("a tracer provider is registered already");
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const named = (name: string): ReadableSpan[] => spans().filter((s) => s.name === name);
  return {
    exporter,
    spans,
    named,
    one(name) {
      const found = named(name);
      if (found.length !== 1)
        throw new Error(
          `expected one span '${name}', found ${found.length}: ${spans()
            .map((s) => s.name)
            .join(", ")}`,
        );
      return found[0]!;
    },
    childrenOf(span) {
      return spans().filter((s) => parentSpanId(s) === span.spanContext().spanId);
    },
    reset: () => exporter.reset(),
    async uninstall() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}

/** The parent span id of a finished span (SDK 2.x: `parentSpanContext`; 1.x: `parentSpanId`). */
export function parentSpanId(s: ReadableSpan): string | undefined {
  const r = s as ReadableSpan & { parentSpanId?: string };
  return r.parentSpanContext?.spanId ?? r.parentSpanId;
}

export type { ReadableSpan, SpanKind };
