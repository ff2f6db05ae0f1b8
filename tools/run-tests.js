#!/usr/bin/env node
// Runs the uvu suite: everything once with the default build, then tests/kernels/ and
// tests/compile/ again under every build this runtime supports. Ends with one line "N passed, N failed, N skipped"
// (tests that need ./names.txt are skipped without it).
// A run whose process crashes, or outlives its time, hides the files it had not reached: that run
// is done again one file per process (tools/isolate.js), so every file's tests are counted and
// a failure in one never hides another. The failures are listed again at the end.
import { spawnSync } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { runIsolated, testFiles, uvuCounts } from './isolate.js';

const uvu = new URL('../node_modules/uvu/bin.js', import.meta.url).pathname;
const relaxedOk = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e',
  'process.exit(WebAssembly.validate(new Uint8Array([0,97,115,109,1,0,0,0,1,5,1,96,0,1,123,3,2,1,0,10,61,1,59,0,' +
  Array(3).fill('253,12,' + Array(16).fill(0).join(',')).join(',') + ',253,133,2,11])) ? 0 : 1)']).status === 0;

/** A whole directory's run may take this long; one file alone, FILE_MS. Ceilings for a hang, not speeds. */
const RUN_MS = 40 * 60_000, FILE_MS = 15 * 60_000;

const runs = [
  { label: 'all tests, default build', dir: 'tests', build: undefined },
  ...['tests/kernels', 'tests/compile'].flatMap((dir) => [
    { label: `${dir.slice(6)}, simd build`, dir, build: 'simd' },
    { label: `${dir.slice(6)}, scalar build`, dir, build: 'scalar' },
    ...(relaxedOk ? [{ label: `${dir.slice(6)}, relaxed build`, dir, build: 'relaxed' }] : []),
  ]),
];
const only = process.argv[2];
const total = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
for (const run of runs) {
  if (only && !run.dir.startsWith(only) && !only.startsWith(run.dir)) continue;
  console.log(`\n=== ${run.label} ===`);
  const env = { ...process.env };
  if (run.build) env.WASMGRAD_BUILD = run.build; else delete env.WASMGRAD_BUILD;
  const target = only && only.startsWith(run.dir) ? only : run.dir;
  // uvu takes a folder and a pattern: one file is its folder and its name.
  const uvuRun = (path, timeout) => spawnSync(process.execPath, ['--import', 'tsx', uvu,
    ...(path.endsWith('.test.ts') ? [dirname(path), `^${basename(path).replace(/\./g, '\\.')}$`] : [path, '\\.test\\.ts$'])],
  { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout, killSignal: 'SIGKILL', maxBuffer: 256 << 20 });
  const r = uvuRun(target, RUN_MS);
  process.stdout.write(r.stdout ?? '');
  const counts = uvuCounts(r);
  if (counts.whole) {
    total.passed += counts.passed; total.failed += counts.failed; total.skipped += counts.skipped;
    for (const f of counts.failures) failures.push(`${run.label}: ${f}`);
    continue;
  }
  // Crashed or hung: what it printed may stop anywhere, so count nothing of it and run each file alone.
  console.log(`\n*** ${run.label}: the run ${r.error ? `was stopped after ${RUN_MS / 60_000} minutes` : `ended with ${r.signal ?? `exit ${r.status}`}`} before reporting; running each file on its own ***`);
  const each = runIsolated(testFiles(target), (file) => uvuRun(file, FILE_MS), FILE_MS);
  total.passed += each.passed; total.failed += each.failed; total.skipped += each.skipped;
  for (const f of each.failures) failures.push(`${run.label}: ${f}`);
}
if (failures.length) console.log(`\nFailures:\n${failures.map((f) => `  ${f}`).join('\n')}`);
console.log(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed ? 1 : 0);
