import { Mutex } from "async-mutex";

/**
 * One mutex per key, created on demand and dropped when nobody holds or waits for it.
 * Used so that concurrent requests for the same instrument and adjustment fetch a missing span
 * once: the first caller fetches while the others wait, then re-plan and find nothing missing.
 */
export class KeyedLock {
  readonly #locks = new Map<string, { mutex: Mutex; users: number }>();

  /** Run `task` while holding the lock for `key`. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let entry = this.#locks.get(key);
    if (!entry) {
      entry = { mutex: new Mutex(), users: 0 };
      this.#locks.set(key, entry);
    }
    entry.users++;
    try {
      return await entry.mutex.runExclusive(task);
    } finally {
      entry.users--;
      if (entry.users === 0) this.#locks.delete(key);
    }
  }

  /** Number of keys currently held or awaited (for diagnostics and tests). */
  get size(): number {
    return this.#locks.size;
  }
}
