# One image, two commands (ARCHITECTURE.md): the REST API is the default command,
#   sre-orchestrator serve                      (0.0.0.0:8080, bearer tokens required)
#   sre-orchestrator mcp --transport http       (the Kubernetes MCP server, 0.0.0.0:8080)
# Build: podman build -t sre-orchestrator .   (scripts/image_check.py builds and runs it in CI)

ARG BASE_IMAGE=docker.io/library/python:3.11-slim

# --- build: a virtual environment with the project and its dependencies -----------------------
FROM ${BASE_IMAGE} AS build

# pip verifies TLS with this bundle (the base's ca-certificates; a build may mount its own over it).
ARG PIP_CERT=/etc/ssl/certs/ca-certificates.crt
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python3 -m venv /opt/venv

# Dependencies first, from pyproject.toml alone, so that a code change reuses this layer.
WORKDIR /src
COPY pyproject.toml ./
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

COPY README.md ./
COPY common ./common
COPY orchestrator ./orchestrator
COPY graphs ./graphs
COPY mcp_servers ./mcp_servers
COPY knowledge ./knowledge
# The project itself (a wheel, compiled to bytecode: the root filesystem is read-only at run
# time), then pip and setuptools leave the environment: nothing in the final image installs.
# The live backend uses the synchronous Kubernetes client; its asyncio twin (kubernetes/aio,
# 68 MB) is never imported and stays out. The imports at the end prove the result still runs.
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps . \
    && /opt/venv/bin/pip uninstall --yes --quiet setuptools pip \
    && rm -rf /opt/venv/lib/python3*/site-packages/kubernetes/aio \
    && /opt/venv/bin/python -c "import kubernetes, orchestrator.serve, orchestrator.incidents.investigator, orchestrator.store.postgres, mcp_servers.kubernetes.backends.live" \
    && /opt/venv/bin/sre-orchestrator --help > /dev/null

# --- runtime: the base, the environment and a non-root user -----------------------------------
FROM ${BASE_IMAGE}

LABEL org.opencontainers.image.title="sre-orchestrator" \
      org.opencontainers.image.description="Read-only Kubernetes incident investigator: REST API and Kubernetes MCP server" \
      org.opencontainers.image.licenses="Apache-2.0"

RUN groupadd --system --gid 10001 sre \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin sre \
    && mkdir -p /data \
    && chown 10001:10001 /data

COPY --from=build /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    SRE_HOST=0.0.0.0 \
    SRE_PORT=8080 \
    SRE_DATABASE_URL=sqlite:////data/sre-orchestrator.db \
    SRE_LOG_FORMAT=json

WORKDIR /data
USER 10001:10001
EXPOSE 8080

ENTRYPOINT ["sre-orchestrator"]
CMD ["serve"]
