/**
 * The screener (`@quantdb/core/screen`): fields at a date (`./fields.ts`), filters and the
 * percentile-rank scoring (`./score.ts`), and the service that screens a universe through the cache
 * (`./service.ts`). Formulas and conventions: docs/screener.md.
 */
export * from "./fields.ts";
export * from "./score.ts";
export * from "./service.ts";
