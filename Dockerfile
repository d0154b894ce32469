# syntax=docker/dockerfile:1
# Gantry's controller worker, CLI and agent, compiled (npm run build): no tsx, no webpack at start.
#   docker build -t gantry .
#   docker run --rm -e TEMPORAL_ADDRESS=temporal:7233 gantry worker
#   docker run --rm -e TEMPORAL_ADDRESS=temporal:7233 gantry list-deployments --application-name shop

# 1. The build: every dependency, the sources, then dist/ with the prebuilt workflow bundles.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/source-fingerprint.mjs scripts/
COPY workflows workflows
COPY activities activities
COPY workers workers
COPY agent agent
RUN node scripts/build.mjs

# 2. Production dependencies only.
FROM node:24-bookworm-slim AS dependencies
WORKDIR /opt/gantry
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 3. The image: the build, its dependencies and the entry point; no sources, so bin/gantry.mjs runs dist/.
FROM node:24-bookworm-slim
ENV NODE_ENV=production GANTRY_LOG_FORMAT=json MALLOC_ARENA_MAX=2
WORKDIR /opt/gantry
COPY --from=dependencies /opt/gantry/node_modules node_modules
COPY --from=build /src/dist dist
COPY bin bin
COPY scripts/source-fingerprint.mjs scripts/
COPY package.json ./
# The controller and the CLI need no privileges; an agent does (it runs hooks as any user): run agent
# containers with `--user root` (docker-compose.yml does).
USER node
ENTRYPOINT ["node", "/opt/gantry/bin/gantry.mjs"]
CMD ["worker"]
