// The notebook's training step (src/makemore/train.ts) compiled against the same step run eagerly,
// on small random data with sizes that leave SIMD tails (hidden 37, batch 5) and others, with and
// without batch norm: identical bits on every build (tools/run-tests.js runs tests/compile on each).
import { test } from 'uvu';
import { init, tensor } from '../../src/index.ts';
import { assertCompiledMatchesEager } from '../helpers/train_match.ts';

await init();
let seed = 12345;
const rand = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
const n = 300, BS = 4, V = 11;
const X = tensor(Int32Array.from({ length: n * BS }, () => rand(V)), { dtype: 'int32', shape: [n, BS] }).keep();
const Y = tensor(Int32Array.from({ length: n }, () => rand(V)), { dtype: 'int32', shape: [n] }).keep();

for (const [H, B, bn] of [[37, 5, true], [16, 32, true], [33, 7, false]] as const) {
  test(`notebook step: compiled equals eager bit for bit (hidden ${H}, batch ${B}, ${bn ? 'batch norm' : 'no batch norm'})`, async () => {
    await assertCompiledMatchesEager({ vocabSize: V, blockSize: BS, nEmbed: 3, nHidden: H, batchnorm: bn }, X, Y, { steps: 60, batchSize: B, seed: 7 });
  });
}

test.run();
