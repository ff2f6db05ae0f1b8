// Wasm memory above 2 GiB: every read and write addresses it right (>>> 2, not >> 2), and
// running out of memory is one clear error. Grows this process's wasm memory to about 2.3 GiB.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, zeros, full, ones, tensor, randn, Generator, F, memoryStats, WasmOutOfMemoryError, type Tensor } from '../../src/index.ts';

await init();

let big: Tensor | null = null;
const fillers: Tensor[] = [];
test('memory above 2 GiB: a 2.24 GB tensor, then small tensors above it read and write right', () => {
  big = zeros([560_000_000]);
  assert.ok(memoryStats().wasmBytes > 2 ** 31, `wasm memory is ${memoryStats().wasmBytes} bytes`);
  // Fill the free space below 2 GiB that earlier tests left, so new small tensors land above it.
  for (let n = 1 << 24; n >= 4; n >>= 1) {
    for (;;) { const f = zeros([n]); if (f.ptr >= 2 ** 31) break; fillers.push(f); }
  }
  const t = full([3], 7);
  assert.ok(t.ptr >= 2 ** 31, `the new tensor lives above 2 GiB (at ${t.ptr})`);
  assert.equal(t.tolist(), [7, 7, 7]);
  assert.is(ones([2, 2]).sum().item(), 4);
  assert.equal(tensor([1, 2, 3]).tolist(), [1, 2, 3]);
  assert.equal(tensor([[1, 2], [3, 4]], { dtype: 'int32' }).tolist(), [[1, 2], [3, 4]]);
});

test('memory above 2 GiB: a training step gives the same loss and gradients as below it', () => {
  const g = new Generator().manualSeed(3);
  const xs = randn([8, 5], { generator: g }).toArray(), ws = randn([5, 4], { generator: g }).toArray();
  const W = tensor(ws, { shape: [5, 4] });
  W.requiresGrad = true;
  assert.ok(W.ptr >= 2 ** 31);
  const y = tensor([0, 1, 2, 3, 0, 1, 2, 3], { dtype: 'int32' });
  const loss = F.crossEntropy(tensor(xs, { shape: [8, 5] }).matmul(W).tanh(), y);
  loss.backward();
  // The same in plain float64 (tanh and softmax of a tiny problem) to float32 accuracy.
  let total = 0;
  const dW = new Float64Array(20);
  for (let r = 0; r < 8; r++) {
    const h = [0, 1, 2, 3].map((j) => Math.tanh([0, 1, 2, 3, 4].reduce((s, i) => s + xs[r * 5 + i] * ws[i * 4 + j], 0)));
    const m = Math.max(...h), e = h.map((v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
    total += -Math.log(e[y.toArray()[r]] / s);
    for (let j = 0; j < 4; j++) {
      const dh = (e[j] / s - (j === y.toArray()[r] ? 1 : 0)) / 8 * (1 - h[j] * h[j]);
      for (let i = 0; i < 5; i++) dW[i * 4 + j] += xs[r * 5 + i] * dh;
    }
  }
  assert.ok(Math.abs(loss.item() - total / 8) < 1e-6, `loss ${loss.item()} vs ${total / 8}`);
  W.grad!.toArray().forEach((v, i) => assert.ok(Math.abs(v - dW[i]) < 1e-6, `dW[${i}] ${v} vs ${dW[i]}`));
});

test('memory: asking for more than wasm memory can hold is one clear error', () => {
  assert.throws(() => zeros([1_200_000_000]), (e: Error) => e instanceof WasmOutOfMemoryError && /out of wasm memory.*4 GiB.*noGrad/.test(e.message));
  assert.equal(full([2], 3).tolist(), [3, 3], 'still works after the error');
  big = null;
  fillers.length = 0;
});

test.run();
