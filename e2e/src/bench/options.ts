/**
 * The bench's command line (its options are listed at the top of main.ts): parsed and checked, and the
 * scenario sizes it asks for.
 */
import { resolve } from "node:path";
import { FULL, QUICK, type Sizes } from "./context.js";
import { positiveIntegers, readFlags, wholeNumber } from "./args.js";

export interface Args {
  quick: boolean;
  out: string;
  md: string | undefined;
  workers: number[];
  scenarios: Set<number>;
  settings: Record<string, unknown>;
  workerOptions: Record<string, unknown>;
  cpuProf: string | undefined;
  azuriteProf: string | undefined;
  azurite: "disk" | "memory";
  /** Sizes that replace the mode's (FULL or QUICK). */
  sizes: Partial<Sizes>;
  /** Rounds of the throughput scenarios (undefined: 3, or 1 with --quick). */
  runs: number | undefined;
  /** Latency the proxy in front of Azurite adds to every request (undefined: no proxy). */
  storageLatencyMs: number | undefined;
}

export function parseArgs(argv: string[]): Args {
  const f = readFlags(
    argv,
    {
      quick: "boolean",
      out: "string",
      md: "string",
      workers: "string",
      scenarios: "string",
      settings: "string",
      "worker-options": "string",
      "cpu-prof": "string",
      "azurite-prof": "string",
      sizes: "string",
      runs: "string",
      "storage-latency": "string",
      azurite: "string",
    },
    "the top of e2e/src/bench/main.ts",
  );
  const sizes = f.sizes === undefined ? {} : (JSON.parse(f.sizes) as Record<string, unknown>);
  for (const [k, x] of Object.entries(sizes))
    if (!(k in FULL) || typeof x !== "number" || !(x >= 0))
      throw new Error(`--sizes: ${k} is not a size (see Sizes in e2e/src/bench/context.ts) or not a number`);
  const latency = f["storage-latency"] === undefined ? undefined : Number(f["storage-latency"]);
  if (latency !== undefined && !(Number.isFinite(latency) && latency >= 0))
    throw new Error("--storage-latency takes milliseconds (0 or more)");
  if (f.azurite !== undefined && f.azurite !== "disk" && f.azurite !== "memory")
    throw new Error("--azurite takes disk or memory");
  return {
    quick: f.quick ?? false,
    out: f.out ?? "bench-report.json",
    md: f.md,
    workers: f.workers === undefined ? [1, 4] : positiveIntegers(f.workers),
    scenarios: new Set(
      f.scenarios === undefined ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : positiveIntegers(f.scenarios),
    ),
    settings: f.settings === undefined ? {} : (JSON.parse(f.settings) as Record<string, unknown>),
    workerOptions:
      f["worker-options"] === undefined ? {} : (JSON.parse(f["worker-options"]) as Record<string, unknown>),
    cpuProf: f["cpu-prof"] === undefined ? undefined : resolve(f["cpu-prof"]),
    azuriteProf: f["azurite-prof"] === undefined ? undefined : resolve(f["azurite-prof"]),
    azurite: (f.azurite as "disk" | "memory" | undefined) ?? "disk",
    sizes: sizes as Partial<Sizes>,
    runs: f.runs === undefined ? undefined : wholeNumber("--runs", f.runs, 1),
    storageLatencyMs: latency,
  };
}

export const sizesOf = (args: Args): Sizes => ({ ...(args.quick ? QUICK : FULL), ...args.sizes });
