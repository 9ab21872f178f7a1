import { serverClient } from "../../lib/client.ts";
import { errorInfo } from "../../components/HistoryPage.tsx";
import { env } from "../../env.ts";

export default async function StatusPage() {
  const client = serverClient({ timeoutMs: 5000 });
  const [health, version] = await Promise.allSettled([client.getHealth(), client.getVersion()]);
  return (
    <>
      <h1 style={{ fontSize: 20, margin: "0 0 12px" }}>Status</h1>
      <div className="grid2">
        <section className="panel" aria-label="Health">
          <h2>Health</h2>
          {health.status === "fulfilled" ? (
            <dl>
              <dt className="muted">Status</dt><dd data-testid="health-status">{health.value.status}</dd>
              <dt className="muted">Database</dt><dd data-testid="health-database">{health.value.database}</dd>
              <dt className="muted">Server clock (UTC)</dt><dd data-testid="health-time">{health.value.time}</dd>
            </dl>
          ) : (
            <div className="error" data-testid="panel-error">{errorInfo(health.reason).message}</div>
          )}
        </section>
        <section className="panel" aria-label="Version">
          <h2>Version</h2>
          {version.status === "fulfilled" ? (
            <dl>
              <dt className="muted">QuantDB</dt><dd data-testid="version">{version.value.version}</dd>
              <dt className="muted">API version</dt><dd data-testid="api-version">{version.value.api_version}</dd>
              <dt className="muted">Database kind</dt><dd data-testid="database-kind">{version.value.database}</dd>
            </dl>
          ) : (
            <div className="error" data-testid="panel-error">{errorInfo(version.reason).message}</div>
          )}
        </section>
      </div>
      <p className="muted">API: {env.apiUrl}</p>
    </>
  );
}
