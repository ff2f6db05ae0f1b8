#!/usr/bin/env node
// `npm run test:deno`: the uvu suite under Deno 2 (the npm package's binary), as tools/run-tests.js
// runs it under Node: everything but the process tests (files that spawn Node) on the default build, then
// tests/kernels/ on every other build. Then one cross-runtime check: examples/deno.ts on the
// strict simd build must print exactly the numbers `wasmgrad train --json` prints under Node, on one
// thread and on two.
// Ends with one line "N passed, N failed"; exits 1 on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runIsolated, testFiles, uvuCounts } from './isolate.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const deno = fileURLToPath(new URL('../node_modules/deno/bin.cjs', import.meta.url));
const version = spawnSync(process.execPath, [deno, '--version'], { encoding: 'utf8' });
if (version.status !== 0) {
  console.error(`cannot run Deno (${(version.stderr || version.error?.message || '').trim()}); run \`npm install\` (the deno package ships the binary)`);
  console.log('\n0 passed, 1 failed');
  process.exit(1);
}
console.log(version.stdout.split('\n')[0]);

const runDeno = (args, env = {}, timeout = 15 * 60_000) => spawnSync(process.execPath, [deno, ...args], {
  cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout, killSignal: 'SIGKILL',
});

const runs = [
  { label: 'all tests but the process tests, default build', dir: 'tests', build: undefined },
  { label: 'kernels, simd build', dir: 'tests/kernels', build: 'simd' },
  { label: 'kernels, scalar build', dir: 'tests/kernels', build: 'scalar' },
  { label: 'kernels, relaxed build', dir: 'tests/kernels', build: 'relaxed' },
];
/** A whole run may take this long; one file alone, FILE_MS. Ceilings for a hang, not speeds. */
const RUN_MS = 40 * 60_000, FILE_MS = 15 * 60_000;
let passed = 0, failed = 0;
const failures = [];
for (const run of runs) {
  console.log(`\n=== Deno: ${run.label} ===`);
  const env = run.build ? { WASMGRAD_BUILD: run.build } : { WASMGRAD_BUILD: '' };
  const suite = (path, timeout) => runDeno(['run', '-A', '--no-prompt', 'tools/test-deno-suite.ts', path], env, timeout);
  const r = suite(run.dir, RUN_MS);
  process.stdout.write(r.stdout ?? '');
  process.stderr.write(r.stderr ?? '');
  const c = uvuCounts(r);
  if (!c.whole) {
    // Crashed or hung: run each file on its own so that every file's tests are counted.
    console.log(`\n*** Deno: ${run.label}: the run ${r.error ? `was stopped after ${RUN_MS / 60_000} minutes` : `ended with ${r.signal ?? `exit ${r.status}`}`} before reporting; running each file on its own ***`);
    const files = testFiles(join(root, run.dir)).map((f) => f.slice(root.length)).filter((f) => !/from ['"]node:child_process['"]/.test(readFileSync(join(root, f), 'utf8')));
    Object.assign(c, runIsolated(files, (file) => suite(file, FILE_MS), FILE_MS));
  }
  passed += c.passed;
  failed += c.failed;
  failures.push(...c.failures.map((f) => `${run.label}: ${f}`));
}
// Same seed, same build, same numbers: Node (the CLI) and Deno (examples/deno.ts).
console.log('\n=== Node and Deno agree on the simd build ===');
const check = (name, ok, detail) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `: ${detail}`}`);
  if (ok) passed++; else { failed++; failures.push(name); }
};
if (!existsSync(`${root}/names.txt`)) {
  check('names.txt present', false, 'put makemore\'s names.txt in ./names.txt (https://raw.githubusercontent.com/karpathy/makemore/master/names.txt)');
} else if (!existsSync(`${root}/dist/cli.js`)) {
  check('dist/cli.js present', false, 'run `npm run build` first');
} else {
  const steps = '1000';
  const env = { ...process.env, WASMGRAD_BUILD: 'simd' };
  const node = spawnSync(process.execPath, ['dist/cli.js', 'train', '--steps', steps, '--json'], { cwd: root, encoding: 'utf8', env });
  const den = runDeno(['run', '--allow-read', '--allow-env=WASMGRAD_BUILD', '--no-prompt', 'examples/deno.ts', steps, '--json'], { WASMGRAD_BUILD: 'simd' });
  const last = (s) => { try { return JSON.parse(s.trim().split('\n').pop()); } catch { return null; } };
  const a = last(node.stdout), b = last(den.stdout);
  if (!a || !b) {
    check('both runs print JSON', false, `node: ${node.stderr.trim() || 'no JSON'}; deno: ${den.stderr.trim() || 'no JSON'}`);
  } else {
    check('both ran the simd build', a.build === 'simd' && b.build === 'simd', `node ${a.build}, deno ${b.build}`);
    check(`step-0 loss identical (${a.log[0]?.[1]})`, JSON.stringify(a.log) === JSON.stringify(b.log), `node ${JSON.stringify(a.log)}, deno ${JSON.stringify(b.log)}`);
    check(`losses after ${steps} steps identical (train ${a.final.train})`, JSON.stringify(a.final) === JSON.stringify(b.final), `node ${JSON.stringify(a.final)}, deno ${JSON.stringify(b.final)}`);
    check('sampled names identical', JSON.stringify(a.samples) === JSON.stringify(b.samples), `node ${a.samples.join(' ')}; deno ${b.samples.join(' ')}`);
    // Two threads under Deno (Web Workers on a shared memory): the same numbers as one thread in Node.
    const mt = runDeno(['run', '--allow-read', '--allow-env=WASMGRAD_BUILD,WASMGRAD_THREADS', '--no-prompt', 'examples/deno.ts', steps, '--json'],
      { WASMGRAD_BUILD: 'simd', WASMGRAD_THREADS: '2' });
    const c = last(mt.stdout);
    if (!c) check('deno, 2 threads: prints JSON', false, mt.stderr.trim() || 'no JSON');
    else {
      check(`deno, 2 threads: ran ${c.threadedSteps} of ${steps} steps on 2 threads`, c.threads === 2 && c.threadedSteps > 0, `threads ${c.threads}, threaded steps ${c.threadedSteps}`);
      check('deno, 2 threads: losses and names identical to Node on 1 thread',
        JSON.stringify([a.log, a.final, a.samples]) === JSON.stringify([c.log, c.final, c.samples]), `node ${JSON.stringify(a.final)}, deno 2 threads ${JSON.stringify(c.final)}`);
    }
  }
}

// Compiled programs on 2 threads under Deno (Web Workers): the test models give Node's 1-thread numbers.
console.log('\n=== Deno: compiled programs on 2 threads give Node\'s 1-thread numbers (simd build) ===');
{
  const steps = '12';
  const node = spawnSync(process.execPath, ['--import', 'tsx', 'tests/compile/threads_run.ts', steps], { cwd: root, encoding: 'utf8', env: { ...process.env, WASMGRAD_BUILD: 'simd', WASMGRAD_THREADS: '' } });
  const den = runDeno(['run', '--allow-read', '--allow-env=WASMGRAD_BUILD,WASMGRAD_THREADS,WASMGRAD_WASM_DIR', '--no-prompt', 'tests/compile/threads_run.ts', steps], { WASMGRAD_BUILD: 'simd', WASMGRAD_THREADS: '2' });
  const last = (s) => { try { return JSON.parse(s.trim().split('\n').pop()); } catch { return null; } };
  const a = last(node.stdout), b = last(den.stdout);
  if (!a || !b) check('both runs print JSON', false, `node: ${node.stderr.trim() || 'no JSON'}; deno: ${den.stderr.trim() || 'no JSON'}`);
  else {
    check('deno ran 2 threads', b.threads === 2 && b.info.threads === 2, JSON.stringify(b.info));
    for (const [name, m] of Object.entries(b.models)) {
      const want = a.models[name].compiled;
      check(`deno, 2 threads, ${name}: every replayed call threaded, losses and parameters = Node's, bit for bit`,
        m.compiled.threadedCalls === Number(steps) - m.compiled.captures && JSON.stringify([m.compiled.losses, m.compiled.tensors]) === JSON.stringify([want.losses, want.tensors]),
        `threaded ${m.compiled.threadedCalls}; deno ${JSON.stringify(m.compiled.losses)}, node ${JSON.stringify(want.losses)}`);
    }
  }
}

console.log('\n=== deno check: the library and examples/deno.ts type-check under Deno ===');
const typed = runDeno(['check', 'examples/deno.ts']);
check('deno check examples/deno.ts', typed.status === 0, (typed.stderr || typed.stdout).trim().split('\n').slice(-15).join('\n'));

if (failures.length) console.log(`\nFailures:\n${failures.map((f) => `  ${f}`).join('\n')}`);
console.log(`\nDeno: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
