import { Watchlist } from "../../components/Watchlist.tsx";
import { T } from "../../lib/i18n.tsx";

export default function WatchlistPage() {
  return (
    <>
      <h1 style={{ fontSize: 20, margin: "0 0 12px" }}>
        <T k="watchlist.title" />
      </h1>
      <Watchlist />
    </>
  );
}
