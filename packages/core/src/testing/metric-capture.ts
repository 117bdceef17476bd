// @taskhub/core/testing/metric-capture: an OpenTelemetry metrics SDK registered globally (the way a user registers
// theirs) with a reader a test collects from on demand. Each install is a new provider, so counts start at zero.
// Its own entry point, not part of @taskhub/core/testing: it needs @opentelemetry/sdk-metrics at run time, an
// optional peer dependency of @taskhub/core, which the rest of core/testing must not require of its users.
import { metrics, type Attributes } from "@opentelemetry/api";
import { DataPointType, MeterProvider, MetricReader, type MetricData } from "@opentelemetry/sdk-metrics";

class OnDemandReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface MetricCapture {
  /** Every metric recorded so far (cumulative), by name. */
  collect(): Promise<Map<string, MetricData>>;
  /** A counter's or up-down counter's total over the data points whose attributes include `where`. */
  sum(name: string, where?: Attributes): Promise<number>;
  /** A histogram's number of recordings over the data points whose attributes include `where`. */
  count(name: string, where?: Attributes): Promise<number>;
  /** The attribute sets a metric was recorded with. */
  attributeSets(name: string): Promise<Attributes[]>;
  uninstall(): Promise<void>;
}

export function installMetricCapture(): MetricCapture {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ readers: [reader] });
  if (!metrics.setGlobalMeterProvider(provider)) throw new Error("a meter provider is registered already");
  const collect = async (): Promise<Map<string, MetricData>> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length) throw new Error(`collecting metrics failed: ${errors.join("; ")}`);
    const out = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics)
      for (const m of scope.metrics) out.set(m.descriptor.name, m);
    return out;
  };
  const matches = (attrs: Attributes, where: Attributes | undefined): boolean =>
    Object.entries(where ?? {}).every(([k, v]) => attrs[k] === v);
  return {
    collect,
    async sum(name, where) {
      const m = (await collect()).get(name);
      if (!m) return 0;
      if (m.dataPointType !== DataPointType.SUM) throw new Error(`${name} is not a sum`);
      return m.dataPoints.filter((p) => matches(p.attributes, where)).reduce((a, p) => a + p.value, 0);
    },
    async count(name, where) {
      const m = (await collect()).get(name);
      if (!m) return 0;
      if (m.dataPointType !== DataPointType.HISTOGRAM) throw new Error(`${name} is not a histogram`);
      return m.dataPoints.filter((p) => matches(p.attributes, where)).reduce((a, p) => a + p.value.count, 0);
    },
    async attributeSets(name) {
      const m = (await collect()).get(name);
      return m ? m.dataPoints.map((p) => p.attributes) : [];
    },
    async uninstall() {
      metrics.disable();
      await provider.shutdown();
    },
  };
}
