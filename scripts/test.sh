#!/usr/bin/env bash
# One command to run the whole test suite on real services.
# Uses CLIPFORGE_TEST_POSTGRES_URL / CLIPFORGE_TEST_REDIS_URL when set, else embedded servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -f tests/e2e/package.json ]; then
  (cd tests/e2e && npm install --no-audit --no-fund --silent)
fi
.venv/bin/ruff check .
exec .venv/bin/python -m pytest -q "$@"
