/**
 * The report as markdown (stdout, BENCHMARKS.md): the machine and Azurite's ceiling, the targets, the figures of
 * each scenario per worker count, and every run.
 */
import { round } from "./measure.js";
import { find, orchestrationCeiling, type Report } from "./report.js";
import { cell, SCENARIO_FIGURES } from "./scenario-figures.js";
import { runsTable } from "./runs-table.js";

export function markdown(r: Report): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`### taskhub benchmark, ${r.mode} run, ${r.startedAt}`);
  out.push("");
  out.push(`Command: \`${r.command}\` (${Math.round(r.durationSeconds)} s)  `);
  out.push(
    `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}, Azurite ${m.azurite ?? "?"} on the same machine  `,
  );
  const c = r.ceiling;
  out.push(
    `Azurite ceiling (concurrency ${c.concurrency}, ${c.durationMs / 1000} s each): **${c.queueCyclesPerSecond} queue put+get+delete cycles/s** ` +
      `(${c.queueRequestsPerSecond} requests/s), **${c.tableUpsertsPerSecond} table upserts/s**` +
      (Object.keys(r.ceilings).length > 1
        ? ` (per worker count, each on a fresh Azurite: ${Object.entries(r.ceilings)
            .map(([n, x]) => `${n}w ${x.queueCyclesPerSecond} cycles/s, ${x.tableUpsertsPerSecond} upserts/s`)
            .join("; ")})`
        : "") +
      `; Azurite data on ${r.azurite}  `,
  );
  if (c.queueCyclesPerSecondWithBacklog !== undefined && c.queueCyclesPerSecond > 0)
    out.push(
      `With ${c.backlog} messages lying in another queue (a backlog like hello-sequence5's): ${c.queueCyclesPerSecondWithBacklog} queue cycles/s, ` +
        `${Math.round((100 * c.queueCyclesPerSecondWithBacklog) / c.queueCyclesPerSecond)} % of the empty-store figure (Azurite's queue store scans every stored message on each queue request)  `,
    );
  out.push(
    `Other load on the machine: ${m.busyBeforeStartPercent ?? "?"} % of one core just before the run, load average ${m.loadAverage.join(" / ")}` +
      ` (per run in the runs table below)  `,
  );
  out.push(
    `Rounds: ${r.rounds} (worker counts interleaved in each round; throughput figures are medians with min–max in brackets; scenarios 6 and 7 ran in the last round only)` +
      (r.storageLatencyMs !== undefined
        ? `; storage latency: every request forwarded to Azurite after ${r.storageLatencyMs} ms by a proxy in the driver process (the ceiling is measured without it)`
        : "") +
      "  ",
  );
  const busy = r.runs.filter((x) => x.load?.busy);
  if (busy.length > 0)
    out.push(
      `**${busy.length} of ${r.runs.length} runs were on a busy machine** (another job used the cores; see the runs table): their figures are low for reasons that are not the code's.  `,
    );
  if (Object.keys(r.settings.provider).length || Object.keys(r.settings.worker).length)
    out.push(
      `Settings changed from the defaults: provider ${JSON.stringify(r.settings.provider)}, worker ${JSON.stringify(r.settings.worker)}`,
    );
  out.push("");
  out.push("| figure | target | measured | |");
  out.push("|---|---|---|---|");
  for (const t of r.targets)
    out.push(
      `| ${t.figure} | ${t.target} | ${t.measured} | ${t.met === null ? "–" : t.met ? "met" : "**missed**"} |`,
    );
  out.push("");
  const hs1 = find(r.scenarios, "hello-sequence5", 1);
  const c1 = r.ceilings["1"] ?? r.ceiling;
  if (
    hs1?.requests &&
    hs1.figures.orchestrationsPerSecond &&
    c1.queueCyclesPerSecondWithBacklog &&
    c1.tableUpsertsPerSecond > 0
  ) {
    // Not a target: the same share, against the queue capacity Azurite has with the workload's backlog stored.
    const withBacklog = orchestrationCeiling(
      { ...c1, queueRequestsPerSecond: 3 * c1.queueCyclesPerSecondWithBacklog },
      hs1.requests.byService,
    );
    out.push(
      `hello-sequence5 against the ceiling measured with ${c1.backlog} messages stored: ${Math.round((100 * hs1.figures.orchestrationsPerSecond) / withBacklog)} % ` +
        `(${hs1.figures.orchestrationsPerSecond} of ${Math.round(withBacklog * 10) / 10} orch/s).`,
    );
    out.push("");
  }

  const counts = r.workerCounts;
  out.push(
    `| # | scenario | figure | ${counts.map((n) => `${n} worker${n > 1 ? "s" : ""}`).join(" | ")} | target |`,
  );
  out.push(`|---|---|---|${counts.map(() => "---|").join("")}---|`);
  for (const sf of SCENARIO_FIGURES) {
    const runs = counts.map((n) => r.scenarios.find((s) => s.scenario === sf.scenario && s.workers === n));
    if (runs.every((x) => x === undefined)) continue;
    const title = `${runs.find((x) => x)?.title ?? sf.scenario}${(runs.find((x) => x)?.runs ?? 1) > 1 ? ` (median of ${Math.max(...runs.map((x) => x?.runs ?? 0))} runs)` : ""}`;
    sf.figures.forEach((f, i) => {
      out.push(
        `| ${i === 0 ? sf.n : ""} | ${i === 0 ? `${sf.scenario}: ${title}` : ""} | ${f.label} | ${runs.map((x) => cell(x, f.key)).join(" | ")} | ${f.target ?? ""} |`,
      );
    });
  }
  out.push("");

  // Requests per orchestration, by operation, beside DTF's protocol.
  const hs = counts.map((n) =>
    r.scenarios.find((s) => s.scenario === "hello-sequence5" && s.workers === n && s.requests),
  );
  const fan = counts.map((n) =>
    r.scenarios.find((s) => s.scenario === "fan-out-fan-in" && s.workers === n && s.requests),
  );
  const ops = new Set<string>([
    ...Object.keys(r.protocol.helloSequence5.byOperation),
    ...Object.keys(r.protocol.fanOutFanIn?.byOperation ?? {}),
  ]);
  for (const x of [...hs, ...fan]) for (const k of Object.keys(x?.requests?.byOperation ?? {})) ops.add(k);
  if (hs.some((x) => x) || fan.some((x) => x)) {
    out.push(
      "Storage requests per orchestration by operation (leases apart), beside what DTF's protocol needs for the same work (derivation below):",
    );
    out.push("");
    out.push(
      `| operation | hello-sequence5: DTF | ${counts.map((n) => `${n}w`).join(" | ")} | fan-out/fan-in: DTF | ${counts.map((n) => `${n}w`).join(" | ")} |`,
    );
    out.push(`|---|---|${counts.map(() => "---|").join("")}---|${counts.map(() => "---|").join("")}`);
    const v = (x: number | undefined): string => (x === undefined ? "0" : String(round(x, 1)));
    for (const op of [...ops].sort()) {
      out.push(
        `| ${op} | ${v(r.protocol.helloSequence5.byOperation[op])} | ${hs.map((x) => v(x?.requests?.byOperation[op])).join(" | ")} | ` +
          `${v(r.protocol.fanOutFanIn?.byOperation[op])} | ${fan.map((x) => v(x?.requests?.byOperation[op])).join(" | ")} |`,
      );
    }
    out.push(
      `| **total** | **${v(r.protocol.helloSequence5.total)}** | ${hs.map((x) => `**${v(x?.requests?.total)}**`).join(" | ")} | ` +
        `**${v(r.protocol.fanOutFanIn?.total)}** | ${fan.map((x) => `**${v(x?.requests?.total)}**`).join(" | ")} |`,
    );
    out.push(
      `| lease requests | | ${hs.map((x) => v(x?.requests?.lease)).join(" | ")} | | ${fan.map((x) => v(x?.requests?.lease)).join(" | ")} |`,
    );
    if (r.protocol.fanOutFanIn)
      out.push(
        `\nDTF's fan-out/fan-in figure assumes the same number of steps as measured (${r.protocol.fanOutFanIn.note}).`,
      );
    out.push("");
  }

  const idle = counts.map((n) =>
    r.scenarios.find((s) => s.scenario === "idle-cost" && s.workers === n && s.status === "ok"),
  );
  if (idle.some((x) => x)) {
    out.push("Idle cost per worker, requests per minute:");
    out.push("");
    out.push("| workers | worker | queue | table | blob | lease | total | lease operations |");
    out.push("|---|---|---|---|---|---|---|---|");
    idle.forEach((x, i) => {
      const per = (x?.details?.perWorker ?? []) as {
        queue: number;
        table: number;
        blob: number;
        lease: number;
        total: number;
        leaseOperations: Record<string, number>;
      }[];
      per.forEach((w, j) =>
        out.push(
          `| ${counts[i]} | ${j + 1} | ${w.queue} | ${w.table} | ${w.blob} | ${w.lease} | ${w.total} | ${Object.entries(
            w.leaseOperations,
          )
            .map(([k, n]) => `${k.replace(/^\w+\./, "")} ${n}`)
            .join(", ")} |`,
        ),
      );
    });
    out.push("");
  }

  out.push(...runsTable(r));

  out.push("CPU while each scenario ran, percent of one core (2 cores = 200 %):");
  out.push("");
  out.push(
    "| scenario | workers | run | Azurite | driver (client) | worker processes | anything else on the machine |",
  );
  out.push("|---|---|---|---|---|---|---|");
  for (const s of r.runs) {
    if (!s.cpu) continue;
    const workers = Object.entries(s.cpu)
      .filter(([k]) => k.startsWith("worker"))
      .map(([, v]) => v);
    out.push(
      `| ${s.scenario} | ${s.workers} | ${s.run ?? ""} | ${s.cpu.azurite ?? "?"} | ${s.cpu.driver ?? "?"} | ${workers.join(" + ")} | ${s.cpu.others ?? "?"} |`,
    );
  }
  out.push("");
  return out.join("\n");
}
