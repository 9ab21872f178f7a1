# QuantDB: one image for the API and the dashboard (select with the build target).
#
#   docker build --target api -t quantdb-api .
#   docker build --target web -t quantdb-web .
#
# See docs/deploy.md (N API replicas on one PostgreSQL behind a load balancer; compose.yaml).
# Node 20 and pnpm 10.34.9, as in the repository's toolchain.

FROM node:20-bookworm-slim AS build
ENV PNPM_VERSION=10.34.9 TURBO_TELEMETRY_DISABLED=1 NEXT_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 CI=true
RUN npm i -g "pnpm@${PNPM_VERSION}" --loglevel=error
WORKDIR /app
# The whole workspace: the API bundles the workspace packages (TypeScript sources) at build time.
COPY . .
RUN pnpm install --frozen-lockfile --reporter=append-only
RUN pnpm exec turbo run build --filter=@quantdb/api --filter=@quantdb/web --output-logs=errors-only

# The API: `node apps/api/dist/index.mjs`. Configuration by environment (apps/api/src/env.ts);
# set DATABASE_URL for PostgreSQL (required for more than one replica).
FROM node:20-bookworm-slim AS api
ENV NODE_ENV=production PORT=8000 HOST=0.0.0.0 QUANTDB_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/ready')\
    .then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "apps/api/dist/index.mjs"]

# The dashboard: Next.js on WEB_PORT, talking to QUANTDB_API_URL (server side and the /qdb proxy).
FROM node:20-bookworm-slim AS web
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 WEB_PORT=3000 QUANTDB_API_URL=http://api:8000
WORKDIR /app/apps/web
COPY --from=build /app /app
# Next writes its runtime cache under .next.
RUN chown -R node:node /app/apps/web/.next
USER node
EXPOSE 3000
CMD ["sh", "-c", "exec node node_modules/next/dist/bin/next start -H 0.0.0.0 -p \"$WEB_PORT\""]
