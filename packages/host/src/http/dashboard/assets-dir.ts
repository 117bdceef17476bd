/**
 * Where the dashboard's built files are: the `dist/` folder of the `@taskhub/dashboard` package, when it is
 * installed beside the host. Undefined when it is not (the host then answers `/dashboard/` with a 404 that
 * says so).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export function installedDashboardAssetsDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve("@taskhub/dashboard/package.json");
    const dir = join(dirname(pkg), "dist");
    return existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}
