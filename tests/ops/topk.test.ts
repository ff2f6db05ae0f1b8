// topk: values and indices along any dim, its gradient (through gather), and its errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, tensor, F } from '../../src/index.ts';
import { checkOp } from '../helpers/gradcheck.ts';

await init();

test('topk: the k largest along the last dim, best first, with indices; [values, indices] unpacks', () => {
  const x = tensor([[0.5, 3, -1, 2], [7, 7, 1, NaN]]);
  const { values, indices } = x.topk(2);
  assert.equal(Array.from(values.toArray()), [3, 2, NaN, 7]);
  assert.equal(Array.from(indices.toArray()), [1, 3, 3, 0]);
  assert.equal(indices.dtype, 'int32');
  const [v, i] = F.topk(x, 3, -1, { largest: false });
  assert.equal(Array.from(v.toArray()), [-1, 0.5, 2, 1, 7, 7]);
  assert.equal(Array.from(i.toArray()), [2, 0, 3, 2, 0, 1]);
});

test('topk: along dim 0 and a middle dim, as a sort of that dim would give', () => {
  const data = Array.from({ length: 2 * 5 * 3 }, (_, n) => Math.fround(Math.sin(n * 1.7) * 10));
  const x = tensor(Float32Array.from(data), { shape: [2, 5, 3] });
  const { values, indices } = x.topk(2, 1);
  assert.equal(values.shape, [2, 2, 3]);
  for (let a = 0; a < 2; a++) for (let c = 0; c < 3; c++) {
    const col = [0, 1, 2, 3, 4].map((b) => [data[a * 15 + b * 3 + c], b]).sort((p, q) => q[0] - p[0]);
    for (let j = 0; j < 2; j++) {
      assert.is(values.toArray()[a * 6 + j * 3 + c], col[j][0]);
      assert.is(indices.toArray()[a * 6 + j * 3 + c], col[j][1]);
    }
  }
  const t0 = x.topk(1, 0);
  assert.equal(t0.values.shape, [1, 5, 3]);
  for (let n = 0; n < 15; n++) assert.is(t0.values.toArray()[n], Math.max(data[n], data[15 + n]));
});

test('topk: the gradient goes to the picked elements', () => {
  const pick = (x: Float64Array, R: number, C: number, K: number) => {
    const out = new Float64Array(R * K);
    for (let r = 0; r < R; r++) {
      const row = Array.from(x.subarray(r * C, (r + 1) * C)).map((v, j) => [v, j]).sort((p, q) => q[0] - p[0] || p[1] - q[1]);
      for (let k = 0; k < K; k++) out[r * K + k] = row[k][0];
    }
    return out;
  };
  checkOp('topk', [[3, 33]], ([x]) => x.topk(5).values, ([x]) => pick(x, 3, 33, 5));
  checkOp('topk dim 0', [[4, 3]], ([x]) => x.topk(4, 0).values.T.contiguous(), ([x]) => {
    const t = new Float64Array(12);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) t[j * 4 + i] = x[i * 3 + j];
    return pick(t, 3, 4, 4);
  });
});

test('topk: k out of range and unknown options are errors naming the op', () => {
  const x = tensor([[1, 2, 3]]);
  assert.throws(() => x.topk(4), /topk: k must be an integer from 0 to 3/);
  assert.throws(() => x.topk(-1), /topk: k must be/);
  assert.throws(() => x.topk(1, 2), /topk/);
  assert.throws(() => x.topk(1, -1, { sorted: false } as never), /topk.*sorted/);
  assert.equal(x.topk(0).values.shape, [1, 0]);
});

test.run();
