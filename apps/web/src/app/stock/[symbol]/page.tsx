import { HistoryPage } from "../../../components/HistoryPage.tsx";

export default function StockPage(props: {
  params: Promise<{ symbol: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  return <HistoryPage kind="stock" {...props} />;
}
