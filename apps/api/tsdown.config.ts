import { defineConfig } from "tsdown";

// The workspace packages are TypeScript source (just-in-time), which plain Node cannot load from
// node_modules: bundle them in. Every third-party package stays external (PGlite must load its
// WASM and data files from its own folder), so the API lists what they import as its own
// dependencies.
export default defineConfig({
  entry: ["src/index.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  dts: false,
  clean: true,
  deps: { alwaysBundle: [/^@quantdb\//], neverBundle: [/^(?!@quantdb\/)[^./]/] },
});
