// The node entry of @taskhub/dashboard: where the built dashboard (index.html and its assets) is, for a server
// that serves it (the host, at /dashboard/). The dashboard itself runs in the browser and has no node code.
import { fileURLToPath } from "node:url";

/** Absolute path of the built dashboard's folder (`dist/`, made by `npm run build` in this package). */
export const assetsDir = fileURLToPath(new URL("./dist/", import.meta.url));
