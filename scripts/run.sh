#!/usr/bin/env bash
# One command to run Clipforge on the embedded default: set up, migrate, api + worker.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIPFORGE_BROWSER_TESTS=0 bash scripts/setup.sh
exec .venv/bin/clipforge dev
