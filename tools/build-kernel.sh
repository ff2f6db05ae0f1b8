#!/usr/bin/env bash
# Builds one kernel file alone into a folder of its own, for working on it while the rest of
# assembly/ is in flux:  tools/build-kernel.sh matmul /tmp/mm && WASMGRAD_WASM_DIR=/tmp/mm npm test tests/kernels
set -euo pipefail
name=$1; out=$2
cd "$(dirname "$0")/.."
mkdir -p "$out"
entry="assembly/_entry_${name}.ts"
trap 'rm -f "$entry"' EXIT
printf "export { HEAP_BASE } from './simd';\nexport * from './kernels/%s';\n" "$name" > "$entry"
for t in simd relaxed scalar debug; do
  npx asc "$entry" --config asconfig.json --target "$t" --outFile "$out/$t.wasm" --bindings raw
done
