/**
 * The `quantdb` command line: one program, every command wired to the same services as the API.
 */
import { Command, CommanderError } from "commander";
import { registerBackfill } from "./commands/backfill.ts";
import { registerExport } from "./commands/export.ts";
import { registerImport } from "./commands/import.ts";
import { registerKeys } from "./commands/keys.ts";
import { registerScreen } from "./commands/screen.ts";
import { registerServer } from "./commands/server.ts";
import { registerStatus } from "./commands/status.ts";
import { registerWatch } from "./commands/watch.ts";
import { CliError, processOutput, type Output } from "./output.ts";

/** The program with every command registered. */
export function createProgram(out: Output = processOutput): Command {
  const program = new Command("quantdb")
    .description(
      "QuantDB operators' tools. Reads the same environment as the API: DATABASE_URL (PostgreSQL) or " +
        "QUANTDB_DATA_DIR (embedded), QUANTDB_UPSTREAM=live|replay and the QUANTDB_EASTMONEY_*_URL and " +
        "QUANTDB_CCXT_<EXCHANGE>_URL upstreams.",
    )
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  registerServer(program, out);
  registerKeys(program, out);
  registerBackfill(program, out);
  registerImport(program, out);
  registerExport(program, out);
  registerStatus(program, out);
  registerScreen(program, out);
  registerWatch(program, out);
  return program;
}

/**
 * Run the command line; resolves to the process exit code.
 * @param argv `process.argv` (node, script, …args)
 */
export async function main(argv: readonly string[], out: Output = processOutput): Promise<number> {
  try {
    await createProgram(out).parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      if (error.message !== "interrupted") out.info(`quantdb: ${error.message}`);
      return error.exitCode;
    }
    const e = error as Error & { code?: string };
    out.info(`quantdb: ${e.code ? `${e.code}: ` : ""}${e.message}`);
    return 1;
  }
}
