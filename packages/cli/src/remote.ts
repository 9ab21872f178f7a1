/**
 * Working through a running server. An embedded data directory has one process at a time (its
 * lock, see @quantdb/db data-dir-lock.ts); while a QuantDB server holds it, the commands that change
 * state go through that server's API instead of opening the database: the server is the only
 * writer, so what they do is visible to it at once and stays after a restart.
 *
 * The server is found from the lock (`holder.json`: its pid, URL and a per-process local admin
 * token, readable only by the OS user that runs the server); the token is accepted as an admin key
 * from this machine only, so no API key is needed — `keys create` can make the first one.
 */
import { DataDirectoryInUseError, describeHolder, type DataDirHolder } from "@quantdb/db";
import { CliError } from "./output.ts";

/** A server holding the data directory, with what it takes to call its admin API. */
export interface RunningServer {
  url: string;
  adminToken: string;
  holder: DataDirHolder;
}

/** The server to go through when `error` says one holds the data directory and can be reached; else undefined. */
export function runningServerOf(error: unknown): RunningServer | undefined {
  if (!(error instanceof DataDirectoryInUseError)) return undefined;
  const holder = error.holder;
  if (!holder?.url || !holder.adminToken) return undefined;
  return { url: holder.url, adminToken: holder.adminToken, holder };
}

/**
 * The refusal for a command that cannot run while another process holds the data directory.
 * @param whatToDo - what the operator can do about it.
 */
export function inUseRefusal(error: DataDirectoryInUseError, whatToDo: string): CliError {
  return new CliError(`data directory ${error.dataDir} is in use by ${describeHolder(error.holder)}; ${whatToDo}`);
}

/** The generic advice: what works while a server runs. */
export const WHILE_A_SERVER_RUNS =
  "stop it first; while a server runs, the state-changing commands (keys, backfill, migrate) go through its admin API";

/** A server's error answer, as the CLI reports it. */
export class ServerError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Call the running server's API as its local admin; resolves to the parsed JSON answer.
 * @throws {ServerError} for an error answer (its envelope's message), {@link CliError} when the server cannot be
 * reached.
 */
export async function callServer<T>(
  server: RunningServer,
  method: string,
  path: string,
  options: { body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, server.url), {
      method,
      headers: {
        authorization: `Bearer ${server.adminToken}`,
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      signal: options.signal ?? AbortSignal.timeout(120_000),
    });
  } catch (error) {
    if ((error as Error).name === "AbortError" && options.signal?.aborted) throw error;
    throw new CliError(
      `the QuantDB server (pid ${server.holder.pid}) holding the data directory did not answer at ` +
        `${server.url}: ${(error as Error).message}`,
    );
  }
  return answerOf<T>(response, `${server.url}${path}`);
}

/**
 * The parsed JSON of an API response (from a server, or from the API app in this process).
 * @param where - the URL asked, for the message of an error answer without an envelope.
 * @throws {ServerError} for an error answer (its envelope's code and message).
 */
export async function answerOf<T>(response: Response, where: string): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const envelope = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ServerError(
      response.status,
      envelope?.code ?? `HTTP_${response.status}`,
      envelope?.message ?? `HTTP ${response.status} from ${where}`,
    );
  }
  return body as T;
}

/** The note printed (on stderr) when a command goes through a server. */
export function throughServerNote(server: RunningServer): string {
  return `through the QuantDB server (pid ${server.holder.pid}) at ${server.url}, which holds the data directory`;
}
