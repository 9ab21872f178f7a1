import type { NextConfig } from "next";

// Browser code calls the API same-origin under /qdb/* (the API sends no CORS headers). The proxy is
// the route handler src/app/qdb/[...path]/route.ts, which reads QUANTDB_API_URL at run time (a
// next.config rewrite would bake the URL in at build time).
const config: NextConfig = {
  transpilePackages: ["@quantdb/sdk"],
  reactStrictMode: true,
  poweredByHeader: false,
};

export default config;
