// End-to-end tests: a real Chromium (playwright-core) against a running TaskFlow at TASKFLOW_URL.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["e2e/**/*.e2e.ts"],
    // One browser scenario at a time: the steps share accounts and build on each other.
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
