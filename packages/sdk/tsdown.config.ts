import { defineConfig } from "tsdown";

// The remote client only: `fetch`, p-retry, p-limit and eventsource-parser at run time, nothing from
// QuantDB's server side (the embedded mode is the separate package @quantdb/embedded). ESM only: the SDK requires
// Node >= 20.19, where require() of ES modules works.
export default defineConfig({
  entry: ["src/index.ts"],
  format: "esm",
  platform: "neutral",
  target: "es2022",
  dts: true,
  clean: true,
  deps: { neverBundle: [/^[^./]/] },
});
