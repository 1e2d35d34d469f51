#!/usr/bin/env bash
# GraphiQL's built files (React, GraphiQL, the explorer plugin) from npm, pinned by
# scripts/graphiql/package-lock.json, copied into graphql_api/ide/static/ where the api
# serves them: nothing is fetched from a CDN at run time. Run at install or image build
# time (scripts/setup.sh and the Dockerfile do); does nothing when the files are current.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=scripts/graphiql
OUT=graphql_api/ide/static
if [ -f "$OUT/package-lock.json" ] && cmp -s "$OUT/package-lock.json" "$SRC/package-lock.json"; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "npm is needed to fetch GraphiQL's files" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$SRC/package.json" "$SRC/package-lock.json" "$work/"
(cd "$work" && npm ci --no-audit --no-fund --ignore-scripts --silent)
m="$work/node_modules"
rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp"
cp "$m/react/umd/react.production.min.js" "$OUT.tmp/react.production.min.js"
cp "$m/react-dom/umd/react-dom.production.min.js" "$OUT.tmp/react-dom.production.min.js"
cp "$m/graphiql/graphiql.min.js" "$m/graphiql/graphiql.min.css" "$OUT.tmp/"
cp "$m/@graphiql/plugin-explorer/dist/index.umd.js" "$OUT.tmp/plugin-explorer.umd.js"
cp "$m/@graphiql/plugin-explorer/dist/style.css" "$OUT.tmp/plugin-explorer.css"
{
  echo "Third-party files served by the api's GraphiQL page, unchanged from npm:"
  for pkg in react react-dom graphiql @graphiql/plugin-explorer; do
    node -e 'const p=require(process.argv[1]);console.log(`- ${p.name} ${p.version}: ${p.license} licence`)' \
      "$m/$pkg/package.json"
  done
  for pkg in react react-dom graphiql; do
    printf '\n===== %s =====\n' "$pkg"
    cat "$m/$pkg/LICENSE"
  done
} > "$OUT.tmp/THIRD_PARTY_LICENSES.txt"
cp "$SRC/package-lock.json" "$OUT.tmp/package-lock.json"  # what was installed (and a stamp)
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
echo "GraphiQL files in $OUT"
