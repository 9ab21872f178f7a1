/**
 * Backfill progress: a cli-progress bar on a terminal (symbols done/total, bars, upstream calls,
 * ETA), plain lines otherwise (logs, CI, pipes).
 */
import cliProgress from "cli-progress";

/** Counters shown while a backfill runs. */
export interface ProgressState {
  done: number;
  total: number;
  bars: number;
  calls: number;
  failed: number;
}

/** What a backfill reports to. */
export interface Progress {
  /** One symbol finished (ok or failed). */
  step(state: ProgressState, symbol: string, detail: string): void;
  stop(): void;
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60
    ? `${m}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** A progress display: a bar on a TTY, else plain lines through `write`. */
export function createProgress(
  total: number,
  interactive: boolean,
  write: (line: string) => void,
  now: () => number = Date.now,
): Progress {
  const started = now();
  if (!interactive) {
    return {
      step(state, symbol, detail) {
        const elapsed = (now() - started) / 1000;
        const eta = state.done > 0 ? (elapsed / state.done) * (state.total - state.done) : Number.NaN;
        write(
          `[${state.done}/${state.total}] ${symbol} ${detail} | bars ${state.bars} | upstream calls ` +
            `${state.calls} | ETA ${formatEta(eta)}`,
        );
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format:
        "backfill {bar} {value}/{total} symbols | {bars} bars | {calls} upstream calls | {failed} failed | ETA " +
        "{eta_formatted} | {symbol}",
      barCompleteChar: "\u2588",
      barIncompleteChar: "\u2591",
      hideCursor: true,
      stream: process.stdout,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { bars: 0, calls: 0, failed: 0, symbol: "" });
  return {
    step(state, symbol) {
      bar.update(state.done, { bars: state.bars, calls: state.calls, failed: state.failed, symbol });
    },
    stop: () => bar.stop(),
  };
}
