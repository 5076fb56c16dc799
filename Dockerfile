# syntax=docker/dockerfile:1
# One image for every TaskFlow process (the default target, `runtime`): each function
# (FUNCTION_TARGET), the relay, the dispatcher, the scheduler and migrations. The `gateway`
# target is nginx with the web build and the route table's nginx configuration.
#   docker build -t taskflow .                      # functions and `taskflow` commands
#   docker build --target gateway -t taskflow-gateway .

# --- the web app -------------------------------------------------------------------------
FROM node:20.19.5-bookworm-slim AS web
WORKDIR /web
# The lock file alone first: the dependency layer survives changes to the sources.
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# --- the Python package, in a virtual environment ----------------------------------------
FROM python:3.11.13-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# The dependencies first, from pyproject.toml's list and the lock alone, every version as
# locked: that layer survives changes to the sources and to the README.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" \
        > /tmp/dependencies.txt \
    && pip install --no-cache-dir --no-compile --constraint requirements.lock \
        --requirement /tmp/dependencies.txt
COPY README.md ./
COPY functions/ functions/
COPY events/ events/
# Then the package alone; bytecode compiled once here, valid whatever the files' times are
# (the root filesystem is read-only at run time, so nothing could be cached there).
RUN pip install --no-cache-dir --no-compile --constraint requirements.lock --no-deps . \
    && pip check \
    && python -m compileall -q -j 0 --invalidation-mode unchecked-hash /opt/venv

# --- the gateway: nginx serving the web build and routing /api to the functions ----------
FROM nginxinc/nginx-unprivileged:1.27.5-alpine AS gateway
# Only TaskFlow's variables are substituted into the template (nginx's own `$vars` stay).
ENV NGINX_ENVSUBST_FILTER=^TASKFLOW_
# Empty unless a bucket holds the attachments (its origin joins the page's CSP); set here so a
# gateway run without it still starts.
ENV TASKFLOW_ATTACHMENTS_ORIGIN=""
COPY --from=web /web/dist /usr/share/nginx/html
COPY knative/base/gateway/default.conf.template /etc/nginx/templates/default.conf.template
USER 101
EXPOSE 8080

# --- the runtime: every function and `taskflow` command ----------------------------------
FROM python:3.11.13-slim-bookworm AS runtime
# A numeric, unprivileged user (Kubernetes' runAsNonRoot can check a number); the keys
# directory is the mount point compose's signing-key volume takes its owner from.
RUN groupadd --gid 10001 taskflow \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp \
        --shell /usr/sbin/nologin taskflow \
    && install -d -o 10001 -g 10001 /etc/taskflow/keys
COPY --from=builder /opt/venv /opt/venv
# The web build, for `taskflow dev` and `taskflow gateway` (TASKFLOW_WEB_DIST below).
COPY --from=web /web/dist /opt/taskflow/web
# Executable as committed (no --chmod: the classic builder of docker-compose 1.x lacks it).
COPY functions/deploy/entrypoint.sh /usr/local/bin/taskflow-entrypoint
# Only /tmp is writable: home, temporary files and the dev-mode data directory live there.
ENV PATH=/opt/venv/bin:$PATH \
    HOME=/tmp \
    TMPDIR=/tmp \
    TASKFLOW_DATA_DIR=/tmp/taskflow \
    TASKFLOW_WEB_DIST=/opt/taskflow/web \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8080
WORKDIR /tmp
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/taskflow-entrypoint"]
