#!/usr/bin/env bash
# Installs what Clipforge needs on a fresh Debian machine: system packages, a venv, the project.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core fontconfig)
if [ "${CLIPFORGE_BROWSER_TESTS:-1}" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  need+=(chromium)
fi
# npm fetches GraphiQL's files once (scripts/graphiql-assets.sh); the api never uses a CDN.
if ! cmp -s scripts/graphiql/package-lock.json graphql_api/ide/static/package-lock.json \
  && ! command -v npm >/dev/null 2>&1; then
  need+=(npm)
fi
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ -f constraints.txt ]; then
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[test]"
else
  .venv/bin/python -m pip install -q -e ".[test]"
fi
bash scripts/graphiql-assets.sh
