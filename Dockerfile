# syntax=docker/dockerfile:1
# The base is pinned to the Node.js release the test suite runs on; the
# 22 and 24 images work too: --build-arg NODE_IMAGE=node:<22.x.y or 24.x.y>-bookworm-slim.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Build stage: installs everything, compiles src/ to dist/ (npm ci runs the
# prepare script), then drops the development dependencies and what building
# native modules left behind. Nothing of it but dist/ and the production
# node_modules reaches the image.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Compilers for native modules that have no prebuilt binary for the platform.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# The optional sendfile(2) module (an npm dependency on a local folder).
COPY native ./native
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund \
    && npm prune --omit=dev --no-audit --no-fund
# Keep only the loadable .node files of native builds (no objects, archives, makefiles).
RUN for release in $(find node_modules native -type d -path '*/build/Release'); do \
        find "$release" -mindepth 1 -maxdepth 1 ! -name '*.node' -exec rm -rf {} + ; \
        find "${release%/Release}" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} + ; \
    done \
    && rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src

FROM ${NODE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends git tini ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/gitgate --uid 10001 gitgate \
    && mkdir -p /data /var/cache/gitgate \
    && chown gitgate:gitgate /data /var/cache/gitgate
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/native ./native
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY repos-fixture ./repos-fixture
# SSH is on (port 2222), the demo project is not created, and the fetch
# cache lives in the container, not on the data volume: it is disposable,
# and a recreated container would leave its predecessor's behind there.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    GITGATE_SSH_PORT=2222 \
    GITGATE_DATA_DIR=/data \
    GITGATE_FETCH_CACHE_DIR=/var/cache/gitgate/fetch \
    GITGATE_SEED_DEMO=false \
    PATH=/app/bin:$PATH
USER gitgate
VOLUME ["/data"]
EXPOSE 8080 2222
# From inside the container, so over loopback: the monitoring endpoints
# answer only GITGATE_MONITORING_ALLOWLIST (loopback by default).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/-/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "/app/bin/gitgate"]
CMD ["serve"]
