// mlp_step_notebook on this build against the same step run op by op (eager), on small random
// data with sizes that leave SIMD tails (hidden 37, batch 5): identical bits on every build.
import { test } from 'uvu';
import { init, tensor } from '../../src/index.ts';
import { assertFusedMatchesEager } from '../helpers/fused.ts';

await init();
let seed = 12345;
const rand = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
const n = 300, BS = 4, V = 11;
const X = tensor(Int32Array.from({ length: n * BS }, () => rand(V)), { dtype: 'int32', shape: [n, BS] }).keep();
const Y = tensor(Int32Array.from({ length: n }, () => rand(V)), { dtype: 'int32', shape: [n] }).keep();

for (const [H, B] of [[37, 5], [16, 32]]) {
  test(`mlp_step: fused step equals the eager one bit for bit (hidden ${H}, batch ${B})`, async () => {
    await assertFusedMatchesEager({ vocabSize: V, blockSize: BS, nEmbed: 3, nHidden: H, batchnorm: true }, X, Y, { steps: 60, batchSize: B, seed: 7 });
  });
}

test.run();
