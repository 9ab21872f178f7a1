#!/usr/bin/env node
/** The published `quantdb` executable (bundled to dist/main.js); the workspace runs bin/quantdb.mjs instead. */
import { main } from "./main.ts";

process.exitCode = await main(process.argv);
