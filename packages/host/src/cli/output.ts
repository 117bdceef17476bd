/** The verbs' output: JSON with --json, else tables coloured on a terminal; a progress bar on stderr. */
import type { Common } from "./verb.js";

export function print(opts: Common, value: unknown, human: () => string): void {
  console.log(opts.json ? JSON.stringify(value, null, 2) : human());
}

/** One object: JSON with --json, else a field/value table (strings as they are, anything else as JSON). */
export function printFields(opts: Common, obj: object): void {
  print(opts, obj, () =>
    table([
      ["field", "value"],
      ...Object.entries(obj).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    ]),
  );
}

/** Colours only on a terminal, never with NO_COLOR; FORCE_COLOR turns them on anywhere. */
const colour = (stream: NodeJS.WriteStream): boolean =>
  process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== "0"
    ? true
    : !process.env.NO_COLOR && stream.isTTY === true;
const sgr = (code: string, text: string): string =>
  colour(process.stdout) ? `\x1b[${code}m${text}\x1b[0m` : text;
const STATUS_COLOURS: Record<string, string> = {
  Completed: "32",
  Running: "36",
  Pending: "33",
  Suspended: "33",
  ContinuedAsNew: "36",
  Failed: "31",
  Terminated: "35",
  Canceled: "35",
};

/** A plain-text table: bold header, runtime statuses in colour (on a terminal), columns padded. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r, n) =>
      r
        .map((c, i) => {
          const cell = c.padEnd(i === r.length - 1 ? c.length : widths[i]!);
          if (n === 0) return sgr("1", cell);
          const code = STATUS_COLOURS[c];
          return code ? sgr(code, cell) : cell;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** A progress bar on stderr when it is a terminal (scripts and --json see nothing of it). */
export function progress(label: string, total: number): { tick(): void; done(): void } {
  const on = colour(process.stderr) && total > 0;
  let n = 0;
  const draw = (): void => {
    const width = 30;
    const filled = Math.round((n / total) * width);
    process.stderr.write(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${n}/${total}`);
  };
  if (on) draw();
  return {
    tick: () => {
      n++;
      if (on) draw();
    },
    done: () => {
      if (on) process.stderr.write("\n");
    },
  };
}
