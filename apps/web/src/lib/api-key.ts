/**
 * The API key of this browser tab: entered in the header's "API key" control, kept in
 * sessionStorage (`quantdb.apiKey`, gone when the tab closes; never in localStorage, never logged)
 * and sent by {@link browserClient} as `Authorization: Bearer <key>`. Browser-only.
 */
import { QuantDbApiError } from "@quantdb/sdk";

export const API_KEY_STORAGE_KEY = "quantdb.apiKey";
/** Window event fired after the key was saved or forgotten. */
export const API_KEY_EVENT = "quantdb:api-key";
/** The operator command that makes an admin key, shown wherever one is needed. */
export const CREATE_ADMIN_KEY_COMMAND = "pnpm quantdb keys create --name dashboard --scope admin";

/** The key saved in this tab, or undefined (none, or storage unavailable). */
export function storedApiKey(): string | undefined {
  try {
    return sessionStorage.getItem(API_KEY_STORAGE_KEY)?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Save (a trimmed, non-empty key) or forget (`undefined`) the key of this tab, and tell listeners. */
export function setStoredApiKey(key: string | undefined): void {
  try {
    if (key?.trim()) sessionStorage.setItem(API_KEY_STORAGE_KEY, key.trim());
    else sessionStorage.removeItem(API_KEY_STORAGE_KEY);
  } finally {
    window.dispatchEvent(new Event(API_KEY_EVENT));
  }
}

/** Whether a string has the shape of a QuantDB key: `qdb_` and 43 base64url characters. */
export function looksLikeApiKey(value: string): boolean {
  return /^qdb_[A-Za-z0-9_-]{43}$/.test(value);
}

/** Whether an SDK error is the API refusing the caller's credentials: 401 `UNAUTHORIZED` or 403 `FORBIDDEN`. */
export function isAuthError(error: unknown): error is QuantDbApiError {
  return error instanceof QuantDbApiError && (error.status === 401 || error.status === 403);
}
