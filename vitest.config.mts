import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Pulumi keeps its runtime state on `global`; each file gets its own isolated module graph.
    isolate: true,
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
