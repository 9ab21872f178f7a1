import { defineConfig } from "tsdown";

// The workspace packages are TypeScript source (just-in-time), which plain Node cannot load from
// node_modules: bundle them in; third-party packages stay external and load from node_modules.
export default defineConfig({
  entry: ["src/index.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  dts: false,
  clean: true,
  noExternal: [/^@quantdb\//],
});
