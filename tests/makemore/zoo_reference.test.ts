// `wasmgrad makemore` against makemore.py itself (tests/fixtures/makemore_zoo.json, written by
// tools/fixtures/makemore_zoo.py running makemore.py with PyTorch 1.13): for each of the six
// types at the default flags, and for other seeds, sizes, learning rates and data, the lines it
// prints (dataset summary, parameter counts, every 10th step's loss to 4 decimals) are
// makemore.py's; evaluations agree to float32 accuracy and samples word for word; and
// --sample-only on makemore.py's own saved models prints makemore.py's 50 samples.
// A printed training loss may differ from makemore.py's by one unit in its last digit only where
// makemore.py's own loss (at full float32 precision, in the fixture) lies within 1e-6 of that
// digit's rounding boundary: matrix products sum in float32 in another order than PyTorch's BLAS
// for some shapes, which moves a loss by a few float32 steps. Never at the six default runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { loadFixture } from '../helpers/fixtures.ts';
import { namesTest, namesText, NAMES_PATH } from '../helpers/names.ts';

interface Case { flags: string[]; data: 'names' | 'small' | 'words'; words?: string[]; lines: string[]; losses: number[]; sampleOnly?: string[]; checkpoint?: string }
const fixture = loadFixture('makemore_zoo.json') as { smallEvery: number; cases: Record<string, Case> };
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-zoo-'));

/** The input file a case ran on: names.txt, or every smallEvery-th line of it (as the fixture script). */
function inputFor(c: Case): string {
  if (c.data === 'names') return resolve(NAMES_PATH);
  if (c.data === 'words') {
    const path = join(dir, 'words.txt');
    writeFileSync(path, c.words!.join('\n') + '\n');
    return path;
  }
  const path = join(dir, 'small.txt');
  const lines = namesText()!.split('\n');
  if (lines.at(-1) === '') lines.pop();
  writeFileSync(path, lines.filter((_, i) => i % fixture.smallEvery === 0).join('\n') + '\n');
  return path;
}

/** The lines to compare: step times and the work dir's path (in "saving model to ...") left out. */
const comparable = (lines: string[]) => lines
  .filter((l) => !l.startsWith('{'))
  .map((l) => l.replace(/ \| step time .*$/, '').replace(/saving model to .*$/, 'saving model to <work dir>'));

const EVAL = /^step (\d+) train loss: (\S+) test loss: (\S+)$/;
const STEP = /^step (\d+) \| loss (\S+)$/;
const BEST = /^test loss (\S+) is the best so far/;

/**
 * Runs a case and compares: every line equal, except evaluation losses (printed in full, they
 * agree to float32 accuracy after hundreds of steps, not bit for bit). Returns the largest
 * difference of any training loss printed and of any evaluation loss, for the report.
 */
function check(name: string, opts: { boundary?: boolean } = {}): { step: number; evalDiff: number; boundary: string[] } {
  const c = fixture.cases[name];
  const work = join(dir, name);
  const r = runCli(['makemore', '-i', inputFor(c), '-o', work, ...c.flags], { cwd: dir, timeout: 900_000 });
  assert.is(r.code, 0, `${name}: exit code (stderr: ${r.err})`);
  const got = comparable(r.out.trimEnd().split('\n')), want = comparable(c.lines);
  assert.is(got.length, want.length, `${name}: ${got.length} lines printed, makemore.py printed ${want.length}:\n${got.join('\n')}`);
  let step = 0, evalDiff = 0;
  const boundary: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const e = EVAL.exec(want[i]), b = BEST.exec(want[i]);
    if (e) {
      const g = EVAL.exec(got[i]);
      assert.ok(g && g[1] === e[1], `${name}: line ${i} is '${got[i]}', makemore.py printed '${want[i]}'`);
      for (const k of [2, 3]) {
        const d = Math.abs(Number(g![k]) - Number(e[k]));
        evalDiff = Math.max(evalDiff, d);
        assert.ok(d < 2e-5, `${name}: step ${e[1]} ${k === 2 ? 'train' : 'test'} loss ${g![k]}, makemore.py ${e[k]}`);
      }
    } else if (b) {
      const g = BEST.exec(got[i]);
      assert.ok(g && Math.abs(Number(g[1]) - Number(b[1])) < 2e-5, `${name}: line ${i} is '${got[i]}', makemore.py printed '${want[i]}'`);
    } else {
      const w = STEP.exec(want[i]), g = STEP.exec(got[i]);
      if (opts.boundary && w && g && g[1] === w[1] && got[i] !== want[i]) {
        const exact = c.losses[Number(w[1])], edge = (Number(w[2]) + Number(g[2])) / 2;
        assert.ok(Math.abs(Number(g[2]) - Number(w[2])) < 1.5e-4 && Math.abs(exact - edge) < 1e-6,
          `${name}: '${got[i]}', makemore.py printed '${want[i]}' (its loss ${exact}, not on the rounding boundary ${edge})`);
        boundary.push(`step ${w[1]}: ${g[2]} for makemore.py's ${w[2]} (its loss ${exact})`);
      } else assert.is(got[i], want[i], `${name}: line ${i}`);
      if (w) step++;
    }
  }
  return { step, evalDiff, boundary };
}

for (const type of ['bigram', 'mlp', 'rnn', 'gru', 'bow', 'transformer']) {
  namesTest(`makemore: --type ${type} --max-steps 101 prints makemore.py's dataset summary, parameter count and losses at steps 0, 10, ..., 100`, () => {
    assert.is(check(type).step, 11);
  });
}

namesTest('makemore: other seeds, sizes, batch sizes, learning rates and weight decays give makemore.py\'s losses', () => {
  for (const name of ['transformer-s1', 'bigram-s7', 'mlp-s42', 'rnn-s5', 'gru-s11', 'bow-s99']) check(name);
});

namesTest('makemore: odd sizes on non-ASCII words: makemore.py\'s lines, but for a loss on a rounding boundary', () => {
  const { step, boundary } = check('mlp-words', { boundary: true });
  assert.is(step, 61);
  for (const b of boundary) console.log(`  mlp-words: one unit in the last digit at ${b}`);
});

namesTest('makemore: evaluations every 500 steps, best-model saves and samples every 200 steps are makemore.py\'s, on the full and a small data set (top-k too)', () => {
  for (const name of ['bigram-eval', 'rnn-small', 'transformer-small']) {
    console.log(`  ${name}: evaluation losses within ${check(name).evalDiff.toExponential(1)} of makemore.py's`);
  }
});

namesTest('makemore: --sample-only on makemore.py\'s own saved model prints its 50 samples', () => {
  for (const name of ['transformer-small', 'rnn-small']) {
    const c = fixture.cases[name];
    const work = join(dir, `${name}-pt`);
    mkdirSync(work, { recursive: true });
    copyFileSync(new URL(`../fixtures/${c.checkpoint}`, import.meta.url), join(work, 'model.safetensors'));
    const r = runCli(['makemore', '-i', inputFor(c), '-o', work, ...c.flags, '--sample-only'], { cwd: dir });
    assert.is(r.code, 0, `${name}: exit code (stderr: ${r.err})`);
    assert.equal(comparable(r.out.trimEnd().split('\n')), comparable(c.sampleOnly!), name);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
