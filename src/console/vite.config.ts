// Builds the web console into dist/console, which `liftlog serve` serves at `/`.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [react()],
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../../dist/console", import.meta.url)),
    emptyOutDir: true,
    // The AWS SDK and ECharts make one large chunk; it is served locally, so the size warning says nothing useful.
    chunkSizeWarningLimit: 4096,
  },
});
