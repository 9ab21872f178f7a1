import { AsyncLocalStorage } from "node:async_hooks";
import { Mutex, type MutexInterface } from "async-mutex";
import { acquireUnlessAborted } from "../upstream/deadline.ts";

interface Entry {
  mutex: Mutex;
  /** Holders and waiters (the entry is dropped at 0). */
  users: number;
  /** Turns handed out so far: each `run` takes the next number when it starts waiting. */
  turns: number;
  /** The last shared failure: the turn that failed, and the last turn that was waiting then. */
  failure?: { error: unknown; turn: number; waitingUpTo: number };
}

/** The lock turn a task runs in (found again by {@link KeyedLock.share} through async context). */
interface Turn {
  lock: KeyedLock;
  key: string;
  entry: Entry;
  turn: number;
}

const CURRENT = new AsyncLocalStorage<Turn>();

/** Options of {@link KeyedLock.run}. */
export interface LockRunOptions {
  /**
   * Bounds the wait for the lock: when it aborts before the lock is ours, `run` rejects with
   * `signal.reason` (a request deadline's 503, see upstream/deadline.ts) and `task` never runs.
   */
  signal?: AbortSignal | undefined;
}

/** Wait for `mutex`, at most until `signal` aborts; a lock granted after that is handed straight back. */
function acquire(mutex: Mutex, signal: AbortSignal | undefined): Promise<MutexInterface.Releaser> {
  return acquireUnlessAborted(
    () => mutex.acquire(),
    (release) => release(),
    signal,
  );
}

/**
 * One mutex per key, created on demand and dropped when nobody holds or waits for it.
 * Used so that concurrent requests for the same instrument and adjustment fetch a missing span
 * once: the first caller fetches while the others wait, then re-plan and find nothing missing.
 *
 * Waits are bounded by the caller's signal ({@link LockRunOptions.signal}), and a holder's upstream
 * failure is shared with the callers that were waiting for it ({@link share}): they get the same
 * error instead of each calling upstream again (no retry stampede).
 */
export class KeyedLock {
  readonly #locks = new Map<string, Entry>();

  /**
   * Run `task` while holding the lock for `key`.
   * @throws the signal's reason when it aborts while waiting (the task is not run); else whatever `task` throws.
   */
  async run<T>(key: string, task: () => Promise<T>, options: LockRunOptions = {}): Promise<T> {
    let entry = this.#locks.get(key);
    if (!entry) {
      entry = { mutex: new Mutex(), users: 0, turns: 0 };
      this.#locks.set(key, entry);
    }
    entry.users++;
    const turn = ++entry.turns;
    try {
      const release = await acquire(entry.mutex, options.signal);
      try {
        return await CURRENT.run({ lock: this, key, entry, turn }, task);
      } finally {
        release();
      }
    } finally {
      entry.users--;
      if (entry.users === 0) this.#locks.delete(key);
    }
  }

  /**
   * Make an upstream call for `key` from inside {@link run}'s task, sharing failures: when an
   * earlier holder's call failed with a shareable error (`shareable`) while this caller was
   * already waiting for the lock, that error is thrown again without calling; when this call
   * fails so, the callers waiting now get it in turn. Callers that start waiting after a failure
   * call upstream themselves. Outside a task holding `key`, `call` simply runs.
   */
  async share<T>(key: string, call: () => Promise<T>, shareable: (error: unknown) => boolean): Promise<T> {
    const current = CURRENT.getStore();
    if (!current || current.lock !== this || current.key !== key) return call();
    const failure = current.entry.failure;
    if (failure && current.turn > failure.turn && current.turn <= failure.waitingUpTo) throw failure.error;
    try {
      return await call();
    } catch (error) {
      if (shareable(error)) current.entry.failure = { error, turn: current.turn, waitingUpTo: current.entry.turns };
      throw error;
    }
  }

  /** Number of keys currently held or awaited (for diagnostics and tests). */
  get size(): number {
    return this.#locks.size;
  }
}
