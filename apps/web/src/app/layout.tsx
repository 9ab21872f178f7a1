import type { Metadata } from "next";
import type { ReactNode } from "react";
import Link from "next/link";
import { connection } from "next/server";
import { GeistSans } from "geist/font/sans";
import { serverClient } from "../lib/client.ts";
import { env } from "../env.ts";
import { LanguageProvider, LanguageToggle, T } from "../lib/i18n.tsx";
import { ApiKeyControl } from "../components/ApiKeyControl.tsx";
import "./globals.css";

export const metadata: Metadata = {
  title: "QuantDB dashboard",
  description: "A-share, Hong Kong and crypto market data from the QuantDB cache",
};

async function apiReachable(): Promise<boolean> {
  try {
    const health = await serverClient({ timeoutMs: 3000 }).getHealth();
    return health.status === "ok" || Boolean(health.status);
  } catch {
    return false;
  }
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection();
  const reachable = await apiReachable();
  return (
    <html lang="en" className={GeistSans.variable}>
      <body>
        <LanguageProvider>
          <header className="top">
            <Link href="/" className="brand">
              QuantDB
            </Link>
            <nav className="main" aria-label="Main">
              <Link href="/stock/600519">
                <T k="nav.stock" />
              </Link>
              <Link href="/index/000300">
                <T k="nav.index" />
              </Link>
              <Link href="/crypto/binance/BTC-USDT">
                <T k="nav.crypto" />
              </Link>
              <Link href="/compare">
                <T k="nav.compare" />
              </Link>
              <Link href="/screen">
                <T k="nav.screen" />
              </Link>
              <Link href="/watchlist">
                <T k="nav.watchlist" />
              </Link>
              <Link href="/calendar">
                <T k="nav.calendar" />
              </Link>
              <Link href="/cache">
                <T k="nav.cache" />
              </Link>
              <Link href="/status">
                <T k="nav.status" />
              </Link>
            </nav>
            <LanguageToggle />
            <ApiKeyControl />
          </header>
          {reachable ? null : (
            <div className="banner" role="alert" data-testid="api-unreachable">
              The QuantDB API at {env.apiUrl} cannot be reached. Figures below may be missing.
            </div>
          )}
          <main>{children}</main>
        </LanguageProvider>
      </body>
    </html>
  );
}
