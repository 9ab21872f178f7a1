/**
 * Regenerate `packages/sdk/src/markets.generated.ts` from core's market registry. Run with
 * `pnpm --filter @quantdb/sdk generate` after changing packages/core/src/markets, and commit it;
 * `test/markets-drift.test.ts` fails while it is out of date.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { renderMarketsModule } from "./markets.ts";

const path = fileURLToPath(new URL("../src/markets.generated.ts", import.meta.url));
const text = renderMarketsModule();
await writeFile(path, text);
console.log(`wrote ${path} (${text.length} bytes)`);
