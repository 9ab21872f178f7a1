import { CryptoPage } from "../../../../components/CryptoPage.tsx";

export default function CryptoPairPage(props: {
  params: Promise<{ exchange: string; pair: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  return <CryptoPage {...props} />;
}
