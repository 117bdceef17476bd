/** A table of rows under a header row of column names, in a box that scrolls sideways on a narrow screen. */
import type { ComponentChildren } from "preact";

export function DataTable({
  columns,
  class: className,
  children,
}: {
  /** The header cells' contents, in column order. */
  columns: ComponentChildren[];
  class?: string;
  /** The rows (`<tr>`s). */
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table class={className}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
