import Link from "next/link";
import { serverClient } from "../../../lib/client.ts";
import { ErrorPanel as Panel, errorInfo } from "../../../components/ErrorPanel.tsx";
import { FinancialCharts } from "../../../components/FinancialCharts.tsx";

const shares = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

function ErrorPanel({ error }: { error: unknown }) {
  return <Panel info={errorInfo(error)} />;
}

/** Company page: company information and the newest periodic reports of a stock. */
export default async function AssetPage({ params }: { params: Promise<{ symbol: string }> }) {
  const symbol = decodeURIComponent((await params).symbol);
  const client = serverClient();
  const [info, financial] = await Promise.allSettled([
    client.getCompanyInfo(symbol),
    client.getFinancialSummary(symbol),
  ]);
  const company = info.status === "fulfilled" ? info.value : null;
  const name = company?.name ?? (financial.status === "fulfilled" ? financial.value.name : null);
  const reports =
    financial.status === "fulfilled"
      ? [...financial.value.reports].sort((a, b) => a.report_date.localeCompare(b.report_date)).slice(-8)
      : [];

  return (
    <>
      <h1 style={{ margin: "0 0 10px", fontSize: 20 }}>
        <span data-testid="instrument-symbol">{company?.symbol ?? symbol}</span>{" "}
        {name ? <span data-testid="instrument-name">{name}</span> : null}{" "}
        <span className="muted" style={{ fontSize: 14 }}>
          company · <Link href={`/stock/${encodeURIComponent(symbol)}`}>Chart</Link>
        </span>
      </h1>
      <section className="panel" aria-label="Company information">
        <h2>Company</h2>
        {company ? (
          <dl data-testid="company-info">
            <dt className="muted">Name</dt>
            <dd data-testid="company-name">{company.name ?? "—"}</dd>
            <dt className="muted">Exchange</dt>
            <dd>
              {company.exchange} ({company.market})
            </dd>
            <dt className="muted">Industry</dt>
            <dd>{company.industry ?? "—"}</dd>
            <dt className="muted">Listing date</dt>
            <dd>{company.listing_date ?? "—"}</dd>
            <dt className="muted">Total shares</dt>
            <dd>{company.total_shares == null ? "—" : `${shares.format(company.total_shares)} shares`}</dd>
            <dt className="muted">Float shares</dt>
            <dd>{company.float_shares == null ? "—" : `${shares.format(company.float_shares)} shares`}</dd>
            <dt className="muted">Total market cap</dt>
            <dd>
              {company.total_market_cap == null ? "—" : `${money.format(company.total_market_cap)} ${company.currency}`}
            </dd>
            <dt className="muted">Float market cap</dt>
            <dd>
              {company.float_market_cap == null ? "—" : `${money.format(company.float_market_cap)} ${company.currency}`}
            </dd>
          </dl>
        ) : (
          <ErrorPanel error={info.status === "rejected" ? info.reason : null} />
        )}
        {company ? (
          <p className="muted" style={{ margin: "6px 0 0" }}>
            Fetched {company.fetched_at}
            {company.stale ? " (stale)" : ""} · cache {company.cache.hit ? "hit" : "miss"}
          </p>
        ) : null}
      </section>
      <section className="panel" aria-label="Financial summary">
        <h2>Financial summary (last {reports.length || 8} reports, cumulative from 1 January)</h2>
        {financial.status === "rejected" ? (
          <ErrorPanel error={financial.reason} />
        ) : reports.length === 0 ? (
          <div className="empty" data-testid="empty">
            No periodic reports for {symbol}.
          </div>
        ) : (
          <FinancialCharts reports={reports} currency={financial.value.metadata.units.currency} />
        )}
      </section>
    </>
  );
}
