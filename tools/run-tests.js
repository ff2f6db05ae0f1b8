#!/usr/bin/env node
// Runs the uvu suite: everything once with the default build, then tests/kernels/ and
// tests/compile/ again under every build this runtime supports. Ends with one line "N passed, N failed, N skipped"
// (tests that need ./names.txt are skipped without it).
import { spawnSync } from 'node:child_process';

const uvu = new URL('../node_modules/uvu/bin.js', import.meta.url).pathname;
const relaxedOk = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e',
  'process.exit(WebAssembly.validate(new Uint8Array([0,97,115,109,1,0,0,0,1,5,1,96,0,1,123,3,2,1,0,10,61,1,59,0,' +
  Array(3).fill('253,12,' + Array(16).fill(0).join(',')).join(',') + ',253,133,2,11])) ? 0 : 1)']).status === 0;

const runs = [
  { label: 'all tests, default build', dir: 'tests', build: undefined },
  ...['tests/kernels', 'tests/compile'].flatMap((dir) => [
    { label: `${dir.slice(6)}, simd build`, dir, build: 'simd' },
    { label: `${dir.slice(6)}, scalar build`, dir, build: 'scalar' },
    ...(relaxedOk ? [{ label: `${dir.slice(6)}, relaxed build`, dir, build: 'relaxed' }] : []),
  ]),
];
const only = process.argv[2];
let passed = 0, failed = 0, skipped = 0;
for (const run of runs) {
  if (only && !run.dir.startsWith(only) && !only.startsWith(run.dir)) continue;
  console.log(`\n=== ${run.label} ===`);
  const env = { ...process.env };
  if (run.build) env.WASMGRAD_BUILD = run.build; else delete env.WASMGRAD_BUILD;
  const args = ['--import', 'tsx', uvu, only && only.startsWith(run.dir) ? only : run.dir, '\\.test\\.ts$'];
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout);
  const total = Number(/Total:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
  passed += ok;
  skipped += Number(/Skipped:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
  failed += total - ok;
  if (r.status !== 0 && total === ok) failed += 1; // a crash outside any test
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
