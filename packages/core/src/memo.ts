/**
 * Memoising pure functions of a string key that run on every request with the same few inputs
 * (date conversions, header negotiation).
 */

/**
 * Memoise a pure function of a string key in a bounded map (cleared when full).
 * @param max entries kept before the map is cleared
 */
export function memo<T>(compute: (key: string) => T, max = 4096): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined && !cache.has(key)) {
      value = compute(key);
      if (cache.size >= max) cache.clear();
      cache.set(key, value);
    }
    return value as T;
  };
}
