import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, i32buf, readF32, uniform, asF32, assertClose } from '../helpers/kernels.ts';
import { crossentropyForward, crossentropyBackward } from '../../src/ref/cross_entropy.ts';

const { k } = await loadKernels();
const BS = [1, 3, 32, 33];
const VS = [1, 3, 4, 5, 27, 33];

function targetsFor(B: number, V: number, seed: number): Int32Array {
  return Int32Array.from(uniform(B, seed, 0, V), Math.floor);
}

/** Runs the kernel forward on fresh (poisoned) probs; returns [loss, probs, probsPtr]. */
function forward(logits: Float64Array, targets: Int32Array, B: number, V: number): [number, Float32Array, number] {
  const pp = f32buf(B * V), lp = f32buf(1);
  k.crossentropy_forward(lp, pp, f32buf(logits), i32buf(targets), B, V, -100);
  return [readF32(lp, 1)[0], readF32(pp, B * V), pp];
}

test('cross_entropy: forward matches the reference (probs within 1e-6, loss within 1e-6)', () => {
  for (const B of BS) for (const V of VS) {
    const logits = asF32(uniform(B * V, 7 * B + V, -6, 6)), t = targetsFor(B, V, B + V);
    const [loss, probs] = forward(logits, t, B, V);
    const ref = new Float64Array(B * V);
    const refLoss = crossentropyForward(ref, logits, t, B, V);
    assertClose(probs, ref, 1e-6, `probs B=${B} V=${V}`);
    assertClose([loss], [refLoss], 1e-6, `loss B=${B} V=${V}`);
  }
});

test('cross_entropy: the notebook-sized loss (~3.3) agrees with float64 to float32 rounding (2.4e-7)', () => {
  const B = 32, V = 27;
  const logits = asF32(uniform(B * V, 42, -0.5, 0.5)), t = targetsFor(B, V, 43);
  const [loss] = forward(logits, t, B, V);
  const refLoss = crossentropyForward(new Float64Array(B * V), logits, t, B, V);
  assert.ok(refLoss > 3 && refLoss < 3.6, `loss ${refLoss}`);
  assertClose([loss], [Math.fround(refLoss)], 0, 'loss (stored as float32)');
});

test('cross_entropy: backward matches the reference and accumulates', () => {
  for (const B of BS) for (const V of VS) {
    const logits = asF32(uniform(B * V, 3 * B + V, -6, 6)), t = targetsFor(B, V, B * V);
    const [, probs, pp] = forward(logits, t, B, V);
    const init = asF32(uniform(B * V, B + 2 * V));
    const dp = f32buf(init);
    k.crossentropy_backward(dp, pp, i32buf(t), f32buf([0.75]), B, V, -100, 1);
    const ref = Float64Array.from(init);
    crossentropyBackward(ref, probs, t, 0.75, B, V);
    assertClose(readF32(dp, B * V), ref, 1e-7, `dlogits B=${B} V=${V}`);
  }
});

test('cross_entropy: logits at ±1e4 give finite, correct loss and probs', () => {
  const B = 3, V = 6;
  const logits = Float64Array.from([
    1e4, -1e4, 0, 1e4, -1e4, 5,     // two tied maxima, target at -1e4: loss = 2e4 + log 2
    -1e4, -1e4, -1e4, -1e4, -1e4, -1e4, // uniform row at -1e4: loss = log 6
    -1e4, 1e4, 9999, -3, 2, 1e4,      // target at the max
  ]);
  const t = Int32Array.from([1, 4, 5]);
  const [loss, probs] = forward(logits, t, B, V);
  const ref = new Float64Array(B * V);
  const refLoss = crossentropyForward(ref, logits, t, B, V);
  assert.ok(Number.isFinite(loss) && probs.every(Number.isFinite), `loss ${loss}, probs ${probs}`);
  assertClose(probs, ref, 1e-7, 'probs');
  assertClose([loss], [Math.fround(refLoss)], 0, 'loss (stored as float32)');
  assertClose([refLoss], [(2e4 + Math.log(2) + Math.log(6) + Math.log(2 + Math.exp(-1))) / 3], 1e-9, 'closed form');
});

test('cross_entropy: NaN propagates to its row and the loss only', () => {
  const B = 2, V = 5;
  const logits = Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 1, 2, NaN, 4, 5]);
  const [loss, probs] = forward(logits, Int32Array.from([0, 1]), B, V);
  assert.ok(Number.isNaN(loss), `loss ${loss}`);
  assert.ok(probs.subarray(0, V).every(Number.isFinite), `row 0 ${probs.subarray(0, V)}`);
  assert.ok(probs.subarray(V).every(Number.isNaN), `row 1 ${probs.subarray(V)}`);
});

test('cross_entropy: reference backward matches finite differences of the reference forward', () => {
  for (const [B, V] of [[1, 1], [3, 5], [4, 27]]) {
    const logits = uniform(B * V, 11 * B + V, -3, 3), t = targetsFor(B, V, 5 * B + V), dloss = 1.3;
    const probs = new Float64Array(B * V);
    crossentropyForward(probs, logits, t, B, V);
    const grad = new Float64Array(B * V);
    crossentropyBackward(grad, probs, t, dloss, B, V);
    const h = 1e-5, fd = new Float64Array(B * V), x = Float64Array.from(logits), scratch = new Float64Array(B * V);
    for (let i = 0; i < B * V; i++) {
      x[i] = logits[i] + h; const up = crossentropyForward(scratch, x, t, B, V);
      x[i] = logits[i] - h; const down = crossentropyForward(scratch, x, t, B, V);
      x[i] = logits[i];
      fd[i] = dloss * (up - down) / (2 * h);
    }
    assertClose(grad, fd, 1e-8, `fd B=${B} V=${V}`);
  }
});

test.run();
