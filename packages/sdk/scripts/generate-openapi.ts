/**
 * Regenerate `packages/sdk/openapi.json` and `packages/sdk/src/openapi.d.ts` from the API as it is
 * now. Run with `pnpm --filter @quantdb/sdk generate` (tsx) after changing any route or schema in
 * packages/server, and commit both files; `test/openapi-drift.test.ts` fails while they are out of date.
 */
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { renderOpenApiArtefacts } from "./openapi.ts";

const jsonPath = fileURLToPath(new URL("../openapi.json", import.meta.url));
const typesPath = fileURLToPath(new URL("../src/openapi.d.ts", import.meta.url));

const { json, types } = await renderOpenApiArtefacts();
await writeFile(jsonPath, json);
await writeFile(typesPath, types);
console.log(`wrote ${jsonPath} (${json.length} bytes) and ${typesPath} (${types.length} bytes)`);
