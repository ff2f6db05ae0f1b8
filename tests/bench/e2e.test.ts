// `npm run bench:e2e` (bench/e2e.ts) as a user meets it: the smoke form runs every build and prints a row for each,
// the table's ratios are to the default build, bad flags exit 2 with one line. No timing asserts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import os from 'node:os';
import { formatReport, type E2EReport } from '../../bench/e2e.ts';
import { namesPath, namesTest } from '../helpers/names.ts';

const ENTRY = new URL('../../bench/e2e.ts', import.meta.url).pathname;
const TSX = import.meta.resolve('tsx');
const run = (args: string[], cwd?: string) => spawnSync(process.execPath, ['--import', TSX, ENTRY, ...args], { encoding: 'utf8', cwd });

namesTest('bench: --smoke trains on every build and prints one row each', () => {
  const r = run(['--smoke', '--steps', '30', '--data', resolve(namesPath()!)]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^machine: .*cores.*node \d+/m);
  assert.match(r.stdout, /\| \*\*wasmgrad \w+\*\* \(default\) \| [\d.]+ \| 1\.00× \|/);
  for (const b of ['simd', 'scalar']) assert.match(r.stdout, new RegExp(`\\| (\\*\\*)?wasmgrad ${b}\\b.*\\| [\\d.]+ \\|`), b);
  assert.not.match(r.stdout, /PyTorch|TF\.js|gcc/, 'no peers in smoke mode');
  // the other models, compiled and eager: the same training, so the same loss column
  for (const model of ['deep', 'adamw']) {
    const cells = (mode: string) => r.stdout.split('\n').find((l) => new RegExp(`^\\| ${model} \\| wasmgrad \\w+, ${mode} \\|`).test(l))?.split('|').map((c) => c.trim());
    const [c, e] = [cells('compiled'), cells('eager')];
    assert.ok(c && e, `${model} rows:\n${r.stdout}`);
    assert.is(c![4], '1.00×');
    assert.match(c![5], /^\d\.\d{4}$/);
    assert.is(e![5], c![5], `${model}: eager and compiled train to the same loss`);
  }
  // makemore.py's models, compiled and eager: the same run, so the same loss column
  for (const type of ['bigram', 'mlp', 'rnn', 'gru', 'bow', 'transformer']) {
    const cells = (mode: string) => r.stdout.split('\n').find((l) => new RegExp(`^\\| ${type} \\| wasmgrad \\w+, ${mode} \\|`).test(l))?.split('|').map((c) => c.trim());
    const [c, e] = [cells('compiled'), cells('eager')];
    assert.ok(c && e, `makemore ${type} rows:\n${r.stdout}`);
    assert.match(c![5], /^\d\.\d{4}$/);
    assert.is(e![5], c![5], `makemore ${type}: eager and compiled train to the same loss`);
  }
  if (os.cpus().length >= 2) {
    // the two-thread row trains the same model: the same loss column as the strict build's row
    const loss = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(`| ${name} |`) || l.startsWith(`| **${name}** `))?.split('|')[5]?.trim();
    assert.ok(loss('wasmgrad simd, 2 threads'), r.stdout);
    assert.is(loss('wasmgrad simd, 2 threads'), loss('wasmgrad simd'));
  }
});

test('bench: ratios are to the default build; a failed system says why', () => {
  const report: E2EReport = {
    date: '2026-01-01', steps: 100, runs: 3, machine: 'test', defaultBuild: 'simd', skipped: ['C: gcc not found'],
    results: [
      { name: 'wasmgrad simd', runs: [50, 40, 60], median: 50, loss: 2.5, maxRSS: 80 * 1024 },
      { name: 'PyTorch', runs: [500, 600, 400], median: 500, loss: 2.5, maxRSS: null },
      { name: 'TF.js', runs: [], median: null, loss: null, maxRSS: null, error: 'boom' },
      { name: 'C', runs: [5], median: 5, loss: 2.5, maxRSS: null, error: 'bang' },
      { name: 'wasmgrad simd, compiled', model: 'deep', runs: [100], median: 100, loss: 3, maxRSS: null },
      { name: 'wasmgrad simd, eager', model: 'deep', runs: [250], median: 250, loss: 3, maxRSS: null },
      { name: 'wasmgrad simd, compiled', model: 'makemore gru', runs: [4000, 5000], median: 4500, loss: 2.9, maxRSS: null },
      { name: 'makemore.py, PyTorch eager, 1 thread', model: 'makemore gru', runs: [27000], median: 27000, loss: 2.9, maxRSS: null },
    ],
    modelSteps: 500,
    makemoreSteps: 100,
  };
  const out = formatReport(report);
  assert.match(out, /\| \*\*wasmgrad simd\*\* \(default\) \| 50\.0 \| 1\.00× \| 10\.0 s \| 2\.5000 \| 80 MB \| 50\.0, 40\.0, 60\.0 \|/);
  assert.match(out, /\| PyTorch \| 500\.0 \| 10\.00× \|/);
  assert.match(out, /\| TF\.js \| failed: boom \|/);
  assert.match(out, /\| C \| 5\.0 \| 0\.10× \|.*\| 5\.0; then failed: bang \|/);
  assert.match(out, /not run: C: gcc not found/);
  assert.match(out, /Other models \(bench\/models\.mjs\), 500 steps/);
  assert.match(out, /\| deep \| wasmgrad simd, eager \| 250\.0 \| 2\.50× \| 3\.0000 \|/);
  assert.not.match(out, /\| wasmgrad simd, eager \| 250\.0 \| 5\.00×/, 'model rows are not in the notebook table');
  assert.match(out, /makemore\.py's models at its default flags .* 100 steps per run/);
  assert.match(out, /\| gru \| wasmgrad simd, compiled \| 4\.50 \| 6\.00× \| 2\.9000 \|\s*\| 4\.00, 5\.00 \|/);
  assert.match(out, /\| gru \| makemore\.py, PyTorch eager, 1 thread \| 27\.00 \| 1\.00× \|/);
  assert.not.match(out, /\| makemore gru \|/, 'makemore rows are not in the other models\' table');
});

test('bench: bad flags exit 2 with one line, before looking for names.txt', () => {
  const empty = mkdtempSync(join(os.tmpdir(), 'wasmgrad-bench-')); // no names.txt: flags must fail first
  for (const args of [['--steps', '0'], ['--runs', 'x'], ['--model-steps', '-1'], ['--makemore-steps', '1'], ['--types', 'mlp,lstm'], ['--bogus']]) {
    const r = run(args, empty);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^bench:e2e: /);
  }
});

test.run();
