/**
 * The report's table of every run, in the order they ran.
 */
import type { Report } from "./report.js";

const HEADLINES: Record<string, { key: string; label: string }> = {
  "hello-sequence5": { key: "orchestrationsPerSecond", label: "orch/s" },
  "fan-out-fan-in": { key: "activitiesPerSecond", label: "activities/s" },
  "fan-out-io": { key: "activitiesPerSecond", label: "activities/s" },
  "fan-out-cpu": { key: "activitiesPerSecond", label: "activities/s" },
  sequential: { key: "activitiesPerSecond", label: "activities/s" },
  "external-events": { key: "eventsPerSecond", label: "events/s" },
  entity: { key: "operationsPerSecond", label: "operations/s" },
  latency: { key: "p50Ms", label: "p50 ms" },
  "idle-cost": { key: "requestsPerWorkerPerMinute", label: "requests/worker/min" },
};

/**
 * Every run, in the order they ran: its headline figure, the machine's load (busy or quiet), the workers' CPU
 * per unit of work and, with --storage-latency, the requests in flight at the proxy; fan-outs add their pickup
 * delay and activities per worker.
 */
export function runsTable(r: Report): string[] {
  if (r.runs.length === 0) return [];
  const out: string[] = [];
  const proxy = r.storageLatencyMs !== undefined;
  out.push("Every run, in the order they ran (load average of the last minute before and after the run):");
  out.push("");
  out.push(
    `| scenario | workers | run | figure | worker CPU ms per unit (each worker) | pickup delay (ms) | activities per worker |${proxy ? " proxy requests | in flight peak | in flight mean |" : ""} load |`,
  );
  out.push(`|---|---|---|---|---|---|---|${proxy ? "---|---|---|" : ""}---|`);
  for (const x of r.runs) {
    const h = HEADLINES[x.scenario];
    const fig =
      x.status !== "ok"
        ? `${x.status}${x.note ? `: ${x.note.slice(0, 80)}` : ""}`
        : h
          ? `${x.figures[h.key]} ${h.label}`
          : "";
    const cpuKey = x.figures.workerCpuMsPerOrchestration !== undefined ? "Orchestration" : "Activity";
    const cpuTotal = x.figures[`workerCpuMsPer${cpuKey}`];
    const cpuEach = x.details?.[`workerCpuMsPer${cpuKey}ByWorker`] as number[] | undefined;
    const cpu =
      cpuTotal !== undefined
        ? `${cpuTotal} per ${cpuKey.toLowerCase()}${cpuEach && cpuEach.length > 1 ? ` (${cpuEach.join(" + ")})` : ""}`
        : "";
    const pickup = x.figures.firstActivityMs;
    const split = x.details?.activitiesPerWorker as number[] | undefined;
    const storage = proxy
      ? ` ${x.storage?.requests ?? ""} | ${x.storage?.peakInFlight ?? ""} | ${x.storage?.meanInFlight ?? ""} |`
      : "";
    const load = x.load ? (x.load.busy ? `**${x.load.verdict}**` : x.load.verdict) : "";
    out.push(
      `| ${x.scenario} | ${x.workers} | ${x.run ?? ""} | ${fig} | ${cpu} | ${pickup === undefined || Number.isNaN(pickup) ? "" : pickup} | ${split ? split.join(" / ") : ""} |${storage} ${load} |`,
    );
  }
  out.push("");
  return out;
}
