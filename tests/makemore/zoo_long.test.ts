// The acceptance run (slow: about 2,000 Transformer steps; run with `npm run test:slow`): a
// 2,001-step `wasmgrad makemore` run at the default flags evaluates at steps 500 ... 2000, and its
// test loss at step 2000 is within 0.01 of makemore.py's (tests/fixtures/makemore_zoo.json, case
// transformer-2000). The bound is the issue's; the test prints the difference at every evaluation
// (zero at each of the four when this was written: the runs are bit for bit the same).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { loadFixture } from '../helpers/fixtures.ts';
import { namesPath, NAMES_PATH, NAMES_HINT } from '../helpers/names.ts';

const SLOW = process.env.WASMGRAD_SLOW === '1';
const name = 'makemore: a 2,000-step Transformer run ends within 0.01 of makemore.py\'s test loss at step 2000';
const EVAL = /^step (\d+) train loss: (\S+) test loss: (\S+)$/;

if (!SLOW || !namesPath()) {
  console.log(`  skipping the slow makemore run: ${!SLOW ? 'run it with `npm run test:slow`' : NAMES_HINT}`);
  test.skip(name, () => {});
} else {
  test(name, () => {
    const ref = loadFixture('makemore_zoo.json').cases['transformer-2000'] as { flags: string[]; lines: string[] };
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-zoo-long-'));
    try {
      const r = runCli(['makemore', '-i', resolve(NAMES_PATH), '-o', dir, ...ref.flags], { cwd: dir, timeout: 4 * 3600_000 });
      assert.is(r.code, 0, r.err);
      const evals = (lines: string[]) => lines.map((l) => EVAL.exec(l)).filter((m): m is RegExpExecArray => !!m);
      const got = evals(r.out.split('\n')), want = evals(ref.lines);
      assert.equal(got.map((m) => m[1]), want.map((m) => m[1]));
      got.forEach((m, i) => console.log(`  step ${m[1]}: test loss ${m[3]} (makemore.py ${want[i][3]}, ${(Number(m[3]) - Number(want[i][3])).toExponential(1)}), train ${m[2]} (${want[i][2]})`));
      const last = got.length - 1;
      assert.is(got[last][1], '2000');
      const d = Math.abs(Number(got[last][3]) - Number(want[last][3]));
      assert.ok(d < 0.01, `test loss at step 2000: ${got[last][3]}, makemore.py ${want[last][3]} (difference ${d})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
