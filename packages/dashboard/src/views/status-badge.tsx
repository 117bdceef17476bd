/** A runtime status as a colored badge (the color is a hint only: the text says the status). */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status.toLowerCase()}`}>{status}</span>;
}
