import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    // eslint.config.test.ts shows that the lint config still catches what it is meant to.
    include: ["src/**/*.test.{ts,tsx}", "eslint.config.test.ts"],
    restoreMocks: true,
  },
});
