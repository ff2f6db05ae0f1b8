#!/usr/bin/env node
// Runs the suites again and again on a clean clone, to find checks that fail only sometimes: the
// browser suite N times (the first H of them with two busy processes hogging the CPU beside it),
// then the Node suite M times. Prints each run's closing line and, at the end, every check that
// failed in any run with how often. Not part of CI (it takes an hour); run it before trusting a
// change to the tests or to anything timing touches.
//   node tools/repeat-suites.js [--browser 20] [--hog 10] [--node 5] [--names FILE] [--keep]
// The clone is made from this repository's HEAD (commit first), installed with `npm ci`, and
// given names.txt (--names, else ./names.txt). Exits 1 if any run failed.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const usage = 'usage: node tools/repeat-suites.js [--browser N] [--hog N] [--node N] [--names FILE] [--keep]';
let opts;
try {
  opts = parseArgs({ options: { browser: { type: 'string', default: '20' }, hog: { type: 'string', default: '10' }, node: { type: 'string', default: '5' }, names: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean' } } }).values;
} catch (e) {
  console.error(`repeat-suites: ${e.message}\n${usage}`);
  process.exit(2);
}
if (opts.help) { console.log(usage); process.exit(0); }
const count = (name) => {
  const n = Number(opts[name]);
  if (!Number.isInteger(n) || n < 0) { console.error(`repeat-suites: --${name} must be a whole number, got ${opts[name]}\n${usage}`); process.exit(2); }
  return n;
};
const browserRuns = count('browser'), hogRuns = Math.min(count('hog'), browserRuns), nodeRuns = count('node');
const names = resolve(opts.names ?? join(root, 'names.txt'));
if (!existsSync(names)) { console.error(`repeat-suites: no names file at ${names}; pass --names FILE (makemore's names.txt)`); process.exit(2); }

const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-repeat-'));
const clone = join(dir, 'wasmgrad');
const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
console.log(`clean clone of ${head} in ${clone}`);
const sh = (cmd, args, cwd) => {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) { console.error(`repeat-suites: ${cmd} ${args.join(' ')} failed (exit ${r.status})`); process.exit(1); }
};
sh('git', ['clone', '-q', root, clone], root);
sh('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], clone);
copyFileSync(names, join(clone, 'names.txt'));

const failedChecks = new Map();
const rows = [];
/** Runs `npm run <script>` in the clone; returns its closing line and records the checks it failed. */
function suite(label, script, hog) {
  const hogs = hog ? [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;);'], { stdio: 'ignore' })) : [];
  const t0 = Date.now();
  const r = spawnSync('npm', ['run', '--silent', script], { cwd: clone, encoding: 'utf8', maxBuffer: 512 << 20, env: { ...process.env, CI: 'true' } });
  for (const h of hogs) h.kill('SIGKILL');
  const out = (r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, '');
  const closing = out.split('\n').filter((l) => /\d+ passed, \d+ failed/.test(l)).pop() ?? `(no closing line; exit ${r.status})`;
  const fails = out.split('\n').filter((l) => /^FAIL /.test(l) || /^\s+FAIL\s/.test(l)).map((l) => l.trim().slice(0, 160));
  if (r.status !== 0 && !fails.length) fails.push(`exit ${r.status} with no failed check named`);
  for (const f of fails) failedChecks.set(f, (failedChecks.get(f) ?? 0) + 1);
  const row = `${label}${hog ? ' (CPU hog beside it)' : ''}: ${closing.trim()}, exit ${r.status}, ${Math.round((Date.now() - t0) / 1000)} s`;
  rows.push(row);
  console.log(row);
  return r.status === 0;
}

let bad = 0;
for (let i = 1; i <= browserRuns; i++) if (!suite(`browser run ${i}/${browserRuns}`, 'test:browser', i <= hogRuns)) bad++;
for (let i = 1; i <= nodeRuns; i++) if (!suite(`node run ${i}/${nodeRuns}`, 'test', false)) bad++;

console.log(`\n${head}: ${rows.length} runs, ${bad} failed`);
for (const r of rows) console.log(`  ${r}`);
if (failedChecks.size) {
  console.log('\nchecks that failed (times):');
  for (const [f, n] of failedChecks) console.log(`  ${n}x ${f}`);
}
if (!opts.keep) rmSync(dir, { recursive: true, force: true });
else console.log(`(kept ${clone})`);
process.exit(bad ? 1 : 0);
