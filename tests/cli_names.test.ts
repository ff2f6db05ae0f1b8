// The CLI on the real names.txt: the notebook's numbers as the notebook prints them. Skipped
// (and counted as skipped) without ./names.txt.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { namesPath, namesTest } from './helpers/names.ts';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;
const TSX = import.meta.resolve('tsx');
const run = (args: string[]) => spawnSync(process.execPath, ['--import', TSX, CLI, ...args], { encoding: 'utf8', env: { ...process.env, WASMGRAD_DEBUG: '' } });

namesTest('cli: --steps 0 --no-batchnorm --json reproduces the notebook (splits, params, init losses, samples)', () => {
  const fx = JSON.parse(readFileSync(new URL('./fixtures/makemore.json', import.meta.url), 'utf8'));
  const r = run(['train', '--data', resolve(namesPath()!), '--steps', '0', '--no-batchnorm', '--json']);
  assert.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.splits, { train: [182625, 3], val: [22655, 3], test: [22866, 3] });
  assert.is(j.params, 11897);
  // The notebook prints loss.item() of a float32 (PyTorch 1.13): 3.2980921268463135 and
  // 3.2999227046966553. We print float32s too; summed in another order, each is PyTorch's or the
  // float32 next to it (today: train the same, val 3.2999229431152344, one step up).
  for (const [split, torch] of [['train', 3.2980921268463135], ['val', 3.2999227046966553]] as const) {
    const ours = j.final[split];
    assert.is(Math.fround(ours), ours, `${split} ${ours} is a float32`);
    assert.ok(Math.abs(ours - torch) <= 2 ** -22, `${split}: ${ours} is within one float32 step (2^-22 here) of the notebook's ${torch}`);
  }
  assert.is(j.final.train, 3.2980921268463135, 'train prints exactly as the notebook');
  assert.equal(j.samples, fx.configs[0].init_samples);
  assert.match(r.stderr, new RegExp(`^train ${j.final.train}\nval ${j.final.val}\ntest ${j.final.test}$`, 'm'), 'the human lines print the same numbers');
  assert.not.ok('init' in j, 'with --steps 0 the evaluation is printed once');
});

test.run();
