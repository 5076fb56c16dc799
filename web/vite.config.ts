import { fileURLToPath } from "node:url";

import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

// `npm run dev` serves the app with hot reload and sends /api to a running TaskFlow
// (`taskflow dev` on :8000 unless TASKFLOW_API says otherwise).
const api = process.env.TASKFLOW_API ?? "http://127.0.0.1:8000";

// sonner adds its stylesheet as an inline <style> when it loads, which the gateways'
// Content-Security-Policy (style-src 'self') refuses: the build drops that call and bundles
// sonner's own CSS file instead (imported in src/main.tsx).
function sonnerStylesFromTheBundle(): Plugin {
  const insertion = /^__insertCSS\(".*"\);$/m;
  return {
    name: "taskflow:sonner-styles-from-the-bundle",
    apply: "build",
    transform(code, id) {
      if (!/[\\/]node_modules[\\/]sonner[\\/]dist[\\/]index\.mjs$/.test(id)) return null;
      if (!insertion.test(code)) this.error("sonner no longer inserts its CSS as this plugin expects");
      return { code: code.replace(insertion, ""), map: null };
    },
  };
}

export default defineConfig({
  plugins: [react(), tailwindcss(), sonnerStylesFromTheBundle()],
  // cmdk (the command palette) pulls in Radix's dialog for a component the app does not use.
  resolve: {
    alias: {
      "@radix-ui/react-dialog": fileURLToPath(new URL("src/features/keyboard/unusedRadixDialog.ts", import.meta.url)),
    },
  },
  server: {
    port: 5173,
    proxy: {
      "/api": { target: api, changeOrigin: false },
      "/.well-known": { target: api },
    },
  },
  // One chunk is smaller in all than route-split ones here; the budget that matters (all
  // JavaScript gzipped) is enforced by scripts/bundle-size.mjs. Pages few visits need (the
  // calendar, account links, import) load on demand; everything the first page needs stays in
  // that one chunk (the "$initial" group) rather than the default split into a shared chunk
  // beside it, which costs more bytes in all.
  build: {
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: "app", tags: ["$initial"] }] } } },
  },
});
