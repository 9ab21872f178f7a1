import { ScreenDashboard } from "../../components/ScreenDashboard.tsx";
import { T } from "../../lib/i18n.tsx";
import { parseScreen, screenQuery } from "../../lib/screen.ts";

/**
 * Screen (issue 18): build a screen of a universe at one date (filters, ranking factors), kept in the
 * URL (lib/screen.ts has its format); the browser asks the API (`POST /api/v1/screen`) and shows its
 * answer. Without a universe or a list in the URL, the builder alone, with a suggestion.
 */
export default async function ScreenPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { form, run } = parseScreen(await searchParams);
  return (
    <>
      <h1 style={{ fontSize: 20, margin: "0 0 6px" }}>
        <T k="screen.title" />
      </h1>
      <p className="muted" style={{ margin: "0 0 12px" }}>
        <T k="screen.intro" />
      </p>
      <ScreenDashboard key={run ? screenQuery(form) : ""} initial={form} run={run} />
      {run ? null : (
        <section className="panel">
          <div className="empty" data-testid="empty">
            <T k="screen.empty" />
          </div>
        </section>
      )}
    </>
  );
}
