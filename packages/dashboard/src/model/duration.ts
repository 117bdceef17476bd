/** A duration for people: "0 ms", "250 ms", "1.5 s", "2 min 5 s", "1 h 5 min", "2 d 3 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "";
  const sign = ms < 0 ? "-" : "";
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${trim(a / 1000)} s`;
  if (a < 3_600_000)
    return `${sign}${Math.floor(a / 60_000)} min${part(Math.floor((a % 60_000) / 1000), "s")}`;
  if (a < 86_400_000)
    return `${sign}${Math.floor(a / 3_600_000)} h${part(Math.floor((a % 3_600_000) / 60_000), "min")}`;
  return `${sign}${Math.floor(a / 86_400_000)} d${part(Math.floor((a % 86_400_000) / 3_600_000), "h")}`;
}

function trim(n: number): string {
  return n.toFixed(n < 10 ? 2 : 1).replace(/\.?0+$/, "");
}

function part(n: number, unit: string): string {
  return n > 0 ? ` ${n} ${unit}` : "";
}
