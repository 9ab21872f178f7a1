import { Watchlist } from "../../components/Watchlist.tsx";

export default function WatchlistPage() {
  return (
    <>
      <h1 style={{ fontSize: 20, margin: "0 0 12px" }}>Watchlist</h1>
      <Watchlist />
    </>
  );
}
