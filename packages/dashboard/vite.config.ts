import { defineConfig } from "vite";

// Relative asset URLs ("./assets/..."), so the built files work under any path the host serves them at
// (/dashboard/ by default). Preact's JSX runtime through esbuild: no framework plugin needed.
export default defineConfig({
  base: "./",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, target: "es2022" },
});
