import { CacheDashboard } from "../../components/CacheDashboard.tsx";

export default function CachePage() {
  return <CacheDashboard />;
}
