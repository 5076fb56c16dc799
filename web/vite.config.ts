import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` serves the app with hot reload and sends /api to a running TaskFlow
// (`taskflow dev` on :8000 unless TASKFLOW_API says otherwise).
const api = process.env.TASKFLOW_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    port: 5173,
    proxy: {
      "/api": { target: api, changeOrigin: false },
      "/.well-known": { target: api },
    },
  },
  // One chunk is smaller in all than route-split ones here; the budget that matters (all
  // JavaScript at most 250 kB gzipped) is enforced by scripts/bundle-size.mjs.
  build: { target: "es2022", sourcemap: false, chunkSizeWarningLimit: 600 },
});
