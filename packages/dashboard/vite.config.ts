import { defineConfig } from "vite";

// Relative asset URLs ("./assets/..."), so the built files work under any path the host serves them at
// (/dashboard/ by default). Preact's JSX runtime through esbuild: no framework plugin needed.
// `npm run dev` with TASKHUB_URL=http://127.0.0.1:7071 sends the API calls to that host.
const target = process.env.TASKHUB_URL;

export default defineConfig({
  base: "./",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, target: "es2022" },
  server: target ? { proxy: { "/runtime": target, "/dashboard/api": target } } : {},
});
