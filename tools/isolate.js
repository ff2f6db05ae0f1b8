// What tools/run-tests.js (Node) and tools/test-deno.js (Deno) share: reading uvu's report of a
// run, and running test files one per process when a whole run crashed or hung, so that a crash
// in one file never hides the tests of the others.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * uvu's counts from a finished spawnSync: `whole` when uvu reported its totals and the process
 * ended as uvu ends (exit 0, or 1 with failed tests), else the report may stop anywhere.
 * `failures` names each failed test as "file: suite "test"".
 */
export function uvuCounts(r) {
  const out = (r.stdout ?? '').replace(ANSI, '');
  const number = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(out)?.[1] ?? NaN);
  const all = number('Total'), passed = number('Passed'), skipped = number('Skipped') || 0;
  const failures = [];
  let file = '';
  for (const line of out.split('\n')) {
    if (/^\S.*\.test\.[mc]?[jt]s\s*$/.test(line)) file = line.trim();
    const m = /^\s*FAIL\s+(.*\S)\s*$/.exec(line);
    if (m) failures.push(`${file}: ${m[1]}`);
  }
  const reported = Number.isFinite(all) && Number.isFinite(passed);
  const whole = reported && !r.error && !r.signal && (r.status === 0 || (r.status === 1 && all > passed));
  return { whole, passed: reported ? passed : 0, failed: reported ? all - passed : 0, skipped, failures };
}

/** The *.test.ts files under `path` (or `path` itself), sorted as uvu sorts them. */
export function testFiles(path) {
  if (statSync(path).isFile()) return [path];
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.ts')) out.push(p);
    }
  };
  walk(path);
  return out.sort();
}

/**
 * Runs each file with `runFile(file)` (a spawnSync result) and adds up uvu's counts. A file whose
 * process crashed or outlived its time counts as one failure more than it reported, with the end
 * of what it printed.
 */
export function runIsolated(files, runFile, ms) {
  const sum = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const file of files) {
    const r = runFile(file);
    const c = uvuCounts(r);
    sum.passed += c.passed; sum.failed += c.failed; sum.skipped += c.skipped;
    sum.failures.push(...c.failures.map((f) => (f.startsWith(': ') ? `${file}${f}` : f)));
    if (c.whole) { console.log(`${file}: ${c.passed} passed, ${c.failed} failed`); continue; }
    sum.failed += 1;
    const how = r.error ? `stopped after ${ms / 60_000} minutes` : `ended with ${r.signal ?? `exit ${r.status}`} before uvu's report`;
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.replace(ANSI, '').trim().split('\n').slice(-8).join('\n    ');
    sum.failures.push(`${file}: ${how}`);
    console.log(`${file}: FAILED, ${how}${tail ? `:\n    ${tail}` : ''}`);
  }
  return sum;
}
