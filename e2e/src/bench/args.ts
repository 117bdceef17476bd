/**
 * The bench's command line (`npm run bench -- ...`, and with `--peer dtf` the comparison with DT.AS): flags
 * read with node's `util.parseArgs` (strict: an unknown flag or a flag without its value is an error naming
 * where the flags are listed), and the checks the flags' values share.
 */
import { parseArgs } from "node:util";

/** Each flag's name (without `--`) and whether it takes a value. */
export type FlagSpec = Record<string, "string" | "boolean">;

export type FlagValues<F extends FlagSpec> = {
  [K in keyof F]?: F[K] extends "string" ? string : boolean;
};

/** The flags given in `argv`; `seeAlso` says where they are documented (for the error). */
export function readFlags<F extends FlagSpec>(argv: string[], spec: F, seeAlso: string): FlagValues<F> {
  const options = Object.fromEntries(Object.entries(spec).map(([name, type]) => [name, { type }]));
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as FlagValues<F>;
  } catch (err) {
    throw new Error(`${(err as Error).message} (see ${seeAlso})`);
  }
}

/** `1,4` → [1, 4]: the whole numbers above 0 of a comma-separated list. */
export function positiveIntegers(list: string): number[] {
  return list
    .split(",")
    .map((x) => Number(x.trim()))
    .filter((x) => Number.isInteger(x) && x > 0);
}

/** `value` as a whole number of at least `min`, or an error naming `flag`. */
export function wholeNumber(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} takes a whole number of at least ${min}`);
  return n;
}
