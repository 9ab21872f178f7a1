"use client";

import { QuantDbApiError, type JobRunList } from "@quantdb/sdk";
import { useCallback, useEffect, useState } from "react";
import { API_KEY_EVENT } from "../lib/api-key.ts";
import { browserClient } from "../lib/browser-client.ts";

/**
 * Recent runs of the scheduled daily ingest (`GET /api/v1/jobs`, through the same-origin /qdb
 * proxy, with the API key entered in this tab if any): session, status, instruments updated,
 * upstream calls and errors.
 */
export function JobRuns({ limit = 10 }: { limit?: number }) {
  const [runs, setRuns] = useState<JobRunList["data"] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const { data } = await browserClient().listJobRuns({ limit });
      setRuns(data);
      setError(null);
    } catch (e) {
      setError(e instanceof QuantDbApiError ? `${e.message} (${e.code}${e.status ? ` ${e.status}` : ""})` : String(e));
    }
  }, [limit]);

  useEffect(() => {
    void load();
    // a key saved in the header (an API with QUANTDB_AUTH=all): load again with it
    window.addEventListener(API_KEY_EVENT, load);
    return () => window.removeEventListener(API_KEY_EVENT, load);
  }, [load]);

  return (
    <section className="panel" aria-label="Daily ingest runs" data-testid="job-runs">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2>Daily ingest</h2>
        <button type="button" onClick={() => void load()} data-testid="job-runs-reload">
          Reload
        </button>
      </div>
      {error ? (
        <div className="error" data-testid="panel-error">
          {error}
        </div>
      ) : !runs ? (
        <div className="loading">Loading…</div>
      ) : runs.length === 0 ? (
        <p className="muted">
          No runs yet: the daily ingest runs 30 minutes after each session&apos;s close (nothing on holidays).
        </p>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th>Session</th>
              <th>Scope</th>
              <th>Status</th>
              <th>Updated</th>
              <th>Upstream calls</th>
              <th>Errors</th>
              <th>Started (UTC)</th>
              <th>Finished (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id} data-run={`${run.scope}/${run.session_date}`} data-status={run.status}>
                <td>{run.session_date}</td>
                <td>{run.scope}</td>
                <td>
                  {run.status}
                  {run.attempts > 1 ? ` (attempt ${run.attempts})` : ""}
                </td>
                <td>{run.instruments_updated}</td>
                <td>{run.upstream_calls}</td>
                <td title={run.errors.map((e) => `${e.symbol ?? ""} ${e.code}: ${e.message}`).join("\n")}>
                  {run.errors.length}
                </td>
                <td>{run.started_at}</td>
                <td>{run.finished_at ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
