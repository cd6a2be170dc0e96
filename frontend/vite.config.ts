// Builds src/main.tsx into ../static/app/ with a manifest that Django reads
// (apps/web/vite.py) to put the hashed file names into the page.
import { defineConfig } from "vitest/config";

export default defineConfig({
  base: "/static/app/",
  // esbuild compiles JSX itself: no React plugin needed (and none to download).
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "../static/app",
    emptyOutDir: true,
    manifest: true,
    sourcemap: true,
    // The editor chunk (@xyflow/react, @rjsf, ajv) is ~670 kB raw, ~225 kB gzipped; loaded
    // only on /workflows/:id. bench/canvas.py reports the sizes.
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      input: "src/main.tsx",
      onwarn(warning, warn) {
        // react-router marks its modules "use client" for server components; meaningless here.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE" || warning.code === "SOURCEMAP_ERROR") return;
        warn(warning);
      },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
