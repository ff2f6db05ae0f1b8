#!/usr/bin/env bash
# Builds one kernel file alone into a folder of its own, for working on it while the rest of
# assembly/ is in flux:  tools/build-kernel.sh matmul /tmp/mm && WASMGRAD_WASM_DIR=/tmp/mm npm test tests/kernels
set -euo pipefail
name=$1; out=$2
cd "$(dirname "$0")/.."
mkdir -p "$out"
entry="assembly/_entry_${name}.ts"
config="assembly/_entry_${name}.asconfig.json"
trap 'rm -f "$entry" "$config"' EXIT
printf "export { HEAP_BASE } from './simd';\nexport * from './kernels/%s';\n" "$name" > "$entry"
# The same options without asconfig's entries list, so the other kernels are not compiled in.
node -e 'const c = require("./asconfig.json"); delete c.entries; console.log(JSON.stringify(c))' > "$config"
for t in simd relaxed scalar debug; do
  npx asc "$entry" --config "$config" --target "$t" --outFile "$out/$t.wasm" --bindings raw
done
