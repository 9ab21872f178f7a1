#!/usr/bin/env node
// The `quantdb` command. In the workspace it runs the TypeScript sources through tsx's loader
// (the same way `pnpm --filter @quantdb/api dev` runs the API).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv);
