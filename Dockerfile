# syntax=docker/dockerfile:1
# One image for every Clipforge process: the api (default CMD), the worker
# (`clipforge worker`) and the migration job (`clipforge migrate`).

# GraphiQL's built files from npm (pinned by scripts/graphiql/package-lock.json): the api
# serves its IDE from its own origin, never from a CDN. Only the files reach the image.
FROM node:20-bookworm-slim AS graphiql
WORKDIR /build
COPY scripts/graphiql-assets.sh scripts/
COPY scripts/graphiql/ scripts/graphiql/
RUN bash scripts/graphiql-assets.sh

FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CLIPFORGE_VAR_DIR=/app/var

# FFmpeg for the media pipeline; fonts + fontconfig so libass can burn in subtitles.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core fontconfig \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 clipforge \
    && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/clipforge \
       --shell /usr/sbin/nologin clipforge

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so a source change does not reinstall them.
# `constraints.tx[t]` copies constraints.txt when it exists and nothing otherwise.
COPY pyproject.toml constraints.tx[t] ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && if [ -f constraints.txt ]; then set -- -c constraints.txt; fi \
    && pip install -r /tmp/requirements.txt "$@" \
    && rm /tmp/requirements.txt

# Then the project itself (no dependency resolution: they are installed above).
COPY . .
COPY --from=graphiql /build/graphql_api/ide/static graphql_api/ide/static
RUN if [ -f constraints.txt ]; then set -- -c constraints.txt; fi \
    && pip install --no-deps "$@" . \
    && rm -rf build ./*.egg-info \
    && mkdir -p /app/var \
    && chown -R clipforge:clipforge /app/var

USER 10001:10001

EXPOSE 8000

# slim has no curl: probe liveness with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["clipforge", "serve", "--host", "0.0.0.0"]
