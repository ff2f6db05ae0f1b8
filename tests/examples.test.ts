// The examples run as a user runs them, and do what they say: the MLP classifier learns its
// spirals (ReLU, AdamW, a cosine schedule, a compiled step), the notebook's model written
// with nn modules trains and lists PyTorch's state dict keys, and makemore.py's Transformer
// written with the zoo's modules prints makemore.py's losses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { namesTest } from './helpers/names.ts';
import { loadFixture } from './helpers/fixtures.ts';

const root = new URL('..', import.meta.url).pathname;
const run = (file: string, args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', file, ...args], {
  cwd: root, encoding: 'utf8', timeout: 300_000, env: { ...process.env, FORCE_COLOR: '0' }, // plain console.log numbers
});

test('examples/mlp_classifier.ts: the loss falls and the classifier separates the spirals (val accuracy > 90%)', () => {
  const r = run('examples/mlp_classifier.ts', ['800', '--json']);
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const first = out.log[0][1], last = out.log[out.log.length - 1][1];
  assert.ok(last < first / 4, `loss ${first} -> ${last}`);
  assert.ok(out.train > 0.9 && out.val > 0.9, `accuracy train ${out.train}, val ${out.val}`);
});

test('examples/mlp_classifier.ts: a bad step count is one clear line and exit 2', () => {
  const r = run('examples/mlp_classifier.ts', ['-5']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /usage: .*steps must be a whole number >= 1/);
});

test('examples/nn.ts: the notebook\'s model with nn modules trains and has PyTorch\'s state dict keys', () => {
  assert.ok(existsSync(new URL('names.txt', new URL('..', import.meta.url))), 'names.txt is in the repo root (CI copies it there)');
  const r = run('examples/nn.ts', ['300']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\s+0\/\s+300: 3\.\d+/m);
  assert.match(r.stdout, /^0\.weight 2\.weight 3\.weight 3\.bias 3\.running_mean 3\.running_var 3\.num_batches_tracked 5\.weight 5\.bias$/m);
  const val = Number(/^val (\S+)/m.exec(r.stdout)?.[1]);
  assert.ok(val > 2 && val < 3.2, `val loss ${val} in:\n${r.stdout}`);
});

namesTest('examples/makemore_transformer.ts: makemore.py\'s Transformer in a few lines prints makemore.py\'s losses at steps 0 and 100, then 10 names', () => {
  const r = run('examples/makemore_transformer.ts', ['101']);
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  const want = (loadFixture('makemore_zoo.json').cases.transformer.lines as string[]).filter((l) => /^step (0|100) \|/.test(l));
  assert.equal(lines.filter((l) => /^step \d+ \|/.test(l)), want);
  assert.is(lines.length, 12, r.stdout);
});

test.run();
