/** Operator ingest rules: CSV import layouts and the scheduled daily ingest. */
export * from "./csv.ts";
export * from "./daily.ts";
