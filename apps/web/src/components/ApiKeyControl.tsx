"use client";

import { createClient } from "@quantdb/sdk";
import { useEffect, useState, type FormEvent } from "react";
import {
  API_KEY_EVENT,
  API_KEY_STORAGE_KEY,
  CREATE_ADMIN_KEY_COMMAND,
  isAuthError,
  looksLikeApiKey,
  setStoredApiKey,
  storedApiKey,
} from "../lib/api-key.ts";
import { useT } from "../lib/i18n.tsx";

/**
 * The header's "API key" control: a password field with Save and Forget. The key is kept in this
 * tab's sessionStorage and sent by every browser-side call as `Authorization: Bearer <key>`; only
 * its public prefix (`qdb_` + 8) is ever shown. Save first asks the API (through /qdb) whether it
 * accepts the key, so an unknown or revoked key is refused here rather than breaking every panel.
 */
export function ApiKeyControl() {
  const t = useT();
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const [draft, setDraft] = useState("");
  const [status, setStatus] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [checking, setChecking] = useState(false);

  useEffect(() => {
    const sync = () => setSaved(storedApiKey());
    sync();
    const onStorage = (event: StorageEvent) => {
      if (event.key === null || event.key === API_KEY_STORAGE_KEY) sync();
    };
    window.addEventListener(API_KEY_EVENT, sync);
    window.addEventListener("storage", onStorage);
    return () => {
      window.removeEventListener(API_KEY_EVENT, sync);
      window.removeEventListener("storage", onStorage);
    };
  }, []);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const key = draft.trim();
    if (!looksLikeApiKey(key)) {
      setStatus({ kind: "error", text: t("apiKey.malformed") });
      return;
    }
    setChecking(true);
    setStatus(null);
    try {
      // /health is open, but the API refuses any request that carries an unknown or revoked key
      await createClient({ baseUrl: `${location.origin}/qdb`, apiKey: key, retries: 0, timeoutMs: 10_000 }).getHealth();
    } catch (error) {
      if (isAuthError(error)) {
        setStatus({ kind: "error", text: t("apiKey.rejected", { message: error.message }) });
        setChecking(false);
        return;
      }
      // API down or unhealthy: keep the key; the panels report the API's state themselves
    }
    setChecking(false);
    setStoredApiKey(key);
    setDraft("");
    setStatus({ kind: "ok", text: t("apiKey.saved") });
  };

  const forget = () => {
    setStoredApiKey(undefined);
    setDraft("");
    setStatus({ kind: "ok", text: t("apiKey.forgotten") });
  };

  return (
    <details className="api-key" data-testid="api-key">
      <summary data-testid="api-key-summary" data-saved={saved ? "true" : "false"}>
        {saved ? t("apiKey.set", { prefix: saved.slice(0, 12) }) : t("apiKey.none")}
      </summary>
      <form className="api-key-popup" onSubmit={(event) => void save(event)}>
        <label>
          {t("apiKey.label")}
          <input
            type="password"
            name="api-key"
            autoComplete="off"
            spellCheck={false}
            placeholder="qdb_…"
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            data-testid="api-key-input"
          />
        </label>
        <div className="row">
          <button type="submit" disabled={checking || draft.trim() === ""} data-testid="api-key-save">
            {t("apiKey.save")}
          </button>
          <button type="button" disabled={!saved} onClick={forget} data-testid="api-key-forget">
            {t("apiKey.forget")}
          </button>
        </div>
        {status ? (
          <p
            className={status.kind === "error" ? "error" : "muted"}
            role={status.kind === "error" ? "alert" : "status"}
            data-testid="api-key-status"
            data-kind={status.kind}
          >
            {status.text}
          </p>
        ) : null}
        <p className="muted">
          {t("apiKey.hint")} <code>{CREATE_ADMIN_KEY_COMMAND}</code>
        </p>
      </form>
    </details>
  );
}
