/** `@quantdb/cli`: the `quantdb` command line (see `bin/quantdb.mjs`). */
export { createProgram, main } from "./main.ts";
export { CliError, processOutput, type Output } from "./output.ts";
export { arrowTable, EXPORT_FORMATS, type ExportRow } from "./commands/export.ts";
