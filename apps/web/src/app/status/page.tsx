import { serverClient } from "../../lib/client.ts";
import { errorInfo } from "../../components/ErrorPanel.tsx";
import { env } from "../../env.ts";
import { T } from "../../lib/i18n.tsx";
import { upstreamsOf, type UpstreamState } from "../../lib/upstreams.ts";

function databaseLabel(kind: string | undefined): string {
  return kind === "pglite" ? "embedded (PGlite)" : kind === "postgres" ? "PostgreSQL server" : (kind ?? "—");
}

function Upstreams({ upstreams }: { upstreams: UpstreamState[] | null }) {
  if (upstreams === null)
    return (
      <p className="muted" data-testid="upstreams-not-reported">
        <T k="status.notReported" />
      </p>
    );
  if (upstreams.length === 0)
    return (
      <p className="muted" data-testid="upstreams-empty">
        —
      </p>
    );
  return (
    <div className="scroll">
      <table className="data" data-testid="upstreams">
        <thead>
          <tr>
            <th>
              <T k="status.host" />
            </th>
            <th>
              <T k="status.reachable" />
            </th>
            <th>
              <T k="status.circuit" />
            </th>
            <th>
              <T k="status.calls" />
            </th>
            <th>
              <T k="status.lastError" />
            </th>
          </tr>
        </thead>
        <tbody>
          {upstreams.map((u) => (
            <tr key={u.host} data-host={u.host} data-circuit={u.circuit ?? ""}>
              <td>{u.host}</td>
              <td>{u.reachable === null ? "—" : <T k={u.reachable ? "status.yes" : "status.no"} />}</td>
              <td className={u.circuit ? `circuit-${u.circuit}` : undefined}>{u.circuit ?? "—"}</td>
              <td>{u.calls ? `${u.calls.ok} / ${u.calls.failed} / ${u.calls.retried} / ${u.calls.rejected}` : "—"}</td>
              <td style={{ whiteSpace: "normal", textAlign: "left" }}>
                {u.lastError ? (
                  <>
                    {u.lastError}
                    {u.lastErrorAt ? <span className="muted"> ({u.lastErrorAt})</span> : null}
                  </>
                ) : (
                  <span className="muted">
                    <T k="status.none" />
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default async function StatusPage() {
  const client = serverClient({ timeoutMs: 5000 });
  const [health, version] = await Promise.allSettled([client.getHealth(), client.getVersion()]);
  return (
    <>
      <h1 style={{ fontSize: 20, margin: "0 0 12px" }}>
        <T k="status.title" />
      </h1>
      <div className="grid2">
        <section className="panel" aria-label="Health">
          <h2>
            <T k="status.health" />
          </h2>
          {health.status === "fulfilled" ? (
            <dl>
              <dt className="muted">
                <T k="status.status" />
              </dt>
              <dd data-testid="health-status">{health.value.status}</dd>
              <dt className="muted">
                <T k="status.database" />
              </dt>
              <dd data-testid="health-database" data-database={health.value.database}>
                {databaseLabel(health.value.database)}
              </dd>
              <dt className="muted">
                <T k="status.clock" />
              </dt>
              <dd data-testid="health-time">{health.value.time}</dd>
            </dl>
          ) : (
            <div className="error" data-testid="panel-error">
              {errorInfo(health.reason).message}
            </div>
          )}
        </section>
        <section className="panel" aria-label="Version">
          <h2>
            <T k="status.version" />
          </h2>
          {version.status === "fulfilled" ? (
            <dl>
              <dt className="muted">QuantDB</dt>
              <dd data-testid="version">{version.value.version}</dd>
              <dt className="muted">API version</dt>
              <dd data-testid="api-version">{version.value.api_version}</dd>
              <dt className="muted">Database kind</dt>
              <dd data-testid="database-kind">{databaseLabel(version.value.database)}</dd>
            </dl>
          ) : (
            <div className="error" data-testid="panel-error">
              {errorInfo(version.reason).message}
            </div>
          )}
        </section>
      </div>
      <section className="panel" aria-label="Upstream hosts">
        <h2>
          <T k="status.upstreams" />
        </h2>
        {health.status === "fulfilled" ? (
          <Upstreams upstreams={upstreamsOf(health.value)} />
        ) : (
          <div className="error" data-testid="panel-error">
            {errorInfo(health.reason).message}
          </div>
        )}
      </section>
      <p className="muted">API: {env.apiUrl}</p>
    </>
  );
}
