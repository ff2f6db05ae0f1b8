import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, readF32, uniform, asF32, assertClose } from '../helpers/kernels.ts';
import {
  bnNotebookForward, bnNotebookBackward, bnNotebookEval, bnTorchForward, bnTorchBackward, bnTorchEval,
} from '../../src/ref/batchnorm.ts';

const { k } = await loadKernels();
const BS = [2, 3, 5, 32, 33];
const HS = [1, 3, 4, 5, 13, 33, 200]; // 13 = an 8-feature block, a 4-feature block and a tail
const EPS = Math.fround(1e-5);
const fr = Math.fround;
// Backward sums run in float32 over B <= 33 rows: a few ulps of values of order 1. dinp is
// gain*rstd times a difference that cancels (nearly all of it at B = 2), so its error scales
// with gain*rstd, which reaches ~300 when a feature's B values happen to be close.
const GRAD_TOL = 2e-6;

/** Asserts dinp within GRAD_TOL after dividing each feature's column by 1 + |gain*rstd|. */
function assertDinp(got: ArrayLike<number>, want: ArrayLike<number>, gain: ArrayLike<number>, rstd: ArrayLike<number>, H: number, label: string) {
  const scale = (a: ArrayLike<number>) => Float64Array.from(a, (v, i) => v / (1 + Math.abs(gain[i % H] * rstd[i % H])));
  assertClose(scale(got), scale(want), GRAD_TOL, label, GRAD_TOL);
}

/** Pre-activations like the notebook's: an offset per feature plus spread (offsets stress the variance). */
function inputs(B: number, H: number, seed: number) {
  const offs = uniform(H, seed + 1, -3, 3), spread = uniform(H, seed + 2, 0.2, 2);
  const u = uniform(B * H, seed);
  return {
    inp: asF32(u.map((v, i) => offs[i % H] + spread[i % H] * v)),
    gain: asF32(uniform(H, seed + 3, 0.5, 1.5)),
    bias: asF32(uniform(H, seed + 4, -0.5, 0.5)),
    dout: asF32(uniform(B * H, seed + 5)),
  };
}

test('batchnorm: notebook forward matches the reference bit for bit (out, mean, unbiased std)', () => {
  for (const B of BS) for (const H of HS) {
    const { inp, gain, bias } = inputs(B, H, B * 1000 + H);
    const op = f32buf(B * H), mp = f32buf(H), sp = f32buf(H);
    k.bn_notebook_forward(op, mp, sp, f32buf(inp), f32buf(gain), f32buf(bias), B, H);
    const out = new Float64Array(B * H), mean = new Float64Array(H), std = new Float64Array(H);
    bnNotebookForward(out, mean, std, inp, gain, bias, B, H, fr);
    assertClose(readF32(mp, H), mean, 0, `mean B=${B} H=${H}`);
    assertClose(readF32(sp, H), std, 0, `std B=${B} H=${H}`);
    assertClose(readF32(op, B * H), out, 0, `out B=${B} H=${H}`);
  }
});

test('batchnorm: notebook backward matches the reference and accumulates', () => {
  for (const B of BS) for (const H of HS) {
    const { inp, gain, bias, dout } = inputs(B, H, B * 2000 + H);
    const op = f32buf(B * H), mp = f32buf(H), sp = f32buf(H), ip = f32buf(inp), gp = f32buf(gain);
    k.bn_notebook_forward(op, mp, sp, ip, gp, f32buf(bias), B, H);
    const mean = readF32(mp, H), std = readF32(sp, H);
    const dinp = asF32(uniform(B * H, 1)), dgain = asF32(uniform(H, 2)), dbias = asF32(uniform(H, 3));
    const dip = f32buf(dinp), dgp = f32buf(dgain), dbp = f32buf(dbias);
    k.bn_notebook_backward(dip, dgp, dbp, f32buf(dout), ip, gp, mp, sp, B, H, 1, 1);
    bnNotebookBackward(dinp, dgain, dbias, dout, inp, gain, mean, std, B, H);
    assertDinp(readF32(dip, B * H), dinp, gain, Array.from(std, (s) => 1 / s), H, `dinp B=${B} H=${H}`);
    assertClose(readF32(dgp, H), dgain, GRAD_TOL, `dgain B=${B} H=${H}`, GRAD_TOL);
    assertClose(readF32(dbp, H), dbias, GRAD_TOL, `dbias B=${B} H=${H}`, GRAD_TOL);
  }
});

test('batchnorm: notebook eval matches the reference bit for bit', () => {
  for (const B of BS) for (const H of HS) {
    const { inp, gain, bias } = inputs(B, H, B * 3000 + H);
    const mean = asF32(uniform(H, 8, -3, 3)), std = asF32(uniform(H, 9, 0.1, 3));
    const op = f32buf(B * H);
    k.bn_notebook_eval(op, f32buf(inp), f32buf(gain), f32buf(bias), f32buf(mean), f32buf(std), B, H);
    const out = new Float64Array(B * H);
    bnNotebookEval(out, inp, gain, bias, mean, std, B, H, fr);
    assertClose(readF32(op, B * H), out, 0, `out B=${B} H=${H}`);
  }
});

test('batchnorm: torch forward matches the reference bit for bit (out, mean, unbiased var, rstd)', () => {
  for (const B of BS) for (const H of HS) {
    const { inp, gain, bias } = inputs(B, H, B * 4000 + H);
    const op = f32buf(B * H), mp = f32buf(H), vp = f32buf(H), rp = f32buf(H);
    k.bn_torch_forward(op, mp, vp, rp, f32buf(inp), f32buf(gain), f32buf(bias), EPS, B, H);
    const out = new Float64Array(B * H), mean = new Float64Array(H), v = new Float64Array(H), rstd = new Float64Array(H);
    bnTorchForward(out, mean, v, rstd, inp, gain, bias, EPS, B, H, fr);
    assertClose(readF32(mp, H), mean, 0, `mean B=${B} H=${H}`);
    assertClose(readF32(vp, H), v, 0, `var B=${B} H=${H}`);
    assertClose(readF32(rp, H), rstd, 0, `rstd B=${B} H=${H}`);
    assertClose(readF32(op, B * H), out, 0, `out B=${B} H=${H}`);
  }
});

test('batchnorm: torch reports the unbiased var but normalises with the biased one', () => {
  const B = 4, H = 1, inp = [1, 2, 3, 6]; // mean 3, sum of squares 14
  const op = f32buf(B), mp = f32buf(H), vp = f32buf(H), rp = f32buf(H);
  k.bn_torch_forward(op, mp, vp, rp, f32buf(inp), f32buf([1]), f32buf([0]), EPS, B, H);
  assert.is(readF32(mp, 1)[0], 3);
  assert.is(readF32(vp, 1)[0], fr(14 / 3));
  assert.is(readF32(rp, 1)[0], fr(1 / Math.sqrt(14 / 4 + EPS)));
  const sp = f32buf(H);
  k.bn_notebook_forward(op, mp, sp, f32buf(inp), f32buf([1]), f32buf([0]), B, H);
  assert.is(readF32(sp, 1)[0], fr(Math.sqrt(14 / 3)));
});

test('batchnorm: torch backward matches the reference and accumulates', () => {
  for (const B of BS) for (const H of HS) {
    const { inp, gain, bias, dout } = inputs(B, H, B * 5000 + H);
    const op = f32buf(B * H), mp = f32buf(H), vp = f32buf(H), rp = f32buf(H), ip = f32buf(inp), gp = f32buf(gain);
    k.bn_torch_forward(op, mp, vp, rp, ip, gp, f32buf(bias), EPS, B, H);
    const mean = readF32(mp, H), rstd = readF32(rp, H);
    const dinp = asF32(uniform(B * H, 4)), dgain = asF32(uniform(H, 5)), dbias = asF32(uniform(H, 6));
    const dip = f32buf(dinp), dgp = f32buf(dgain), dbp = f32buf(dbias);
    k.bn_torch_backward(dip, dgp, dbp, f32buf(dout), ip, gp, mp, rp, B, H, 1, 1);
    bnTorchBackward(dinp, dgain, dbias, dout, inp, gain, mean, rstd, B, H);
    assertDinp(readF32(dip, B * H), dinp, gain, rstd, H, `dinp B=${B} H=${H}`);
    assertClose(readF32(dgp, H), dgain, GRAD_TOL, `dgain B=${B} H=${H}`, GRAD_TOL);
    assertClose(readF32(dbp, H), dbias, GRAD_TOL, `dbias B=${B} H=${H}`, GRAD_TOL);
  }
});

test('batchnorm: torch eval matches the reference bit for bit', () => {
  for (const B of BS) for (const H of HS) {
    const { inp, gain, bias } = inputs(B, H, B * 6000 + H);
    const mean = asF32(uniform(H, 10, -3, 3)), v = asF32(uniform(H, 11, 0, 4));
    const op = f32buf(B * H);
    k.bn_torch_eval(op, f32buf(inp), f32buf(gain), f32buf(bias), f32buf(mean), f32buf(v), EPS, B, H);
    const out = new Float64Array(B * H);
    bnTorchEval(out, inp, gain, bias, mean, v, EPS, B, H, fr);
    assertClose(readF32(op, B * H), out, 0, `out B=${B} H=${H}`);
  }
});

test('batchnorm: whole-train-set statistics (B=182625) match the reference bit for bit', () => {
  const B = 182625, H = 7;
  const { inp, gain, bias } = inputs(B, H, 77);
  for (let i = 0; i < inp.length; i++) inp[i] = fr(inp[i] + 100); // a large offset: f32 sums would drift
  const ip = f32buf(inp), op = f32buf(B * H), mp = f32buf(H), sp = f32buf(H), vp = f32buf(H), rp = f32buf(H);
  k.bn_notebook_forward(op, mp, sp, ip, f32buf(gain), f32buf(bias), B, H);
  const out = new Float64Array(B * H), mean = new Float64Array(H), std = new Float64Array(H), v = new Float64Array(H);
  bnNotebookForward(out, mean, std, inp, gain, bias, B, H, fr);
  assertClose(readF32(mp, H), mean, 0, 'notebook mean');
  assertClose(readF32(sp, H), std, 0, 'notebook std');
  k.bn_torch_forward(op, mp, vp, rp, ip, f32buf(gain), f32buf(bias), EPS, B, H);
  bnTorchForward(out, mean, v, std, inp, gain, bias, EPS, B, H, fr);
  assertClose(readF32(vp, H), v, 0, 'torch var');
  assertClose(readF32(rp, H), std, 0, 'torch rstd');
});

test('batchnorm: NaN propagates to its feature only', () => {
  const B = 5, H = 6;
  const { inp, gain, bias } = inputs(B, H, 9);
  inp[2 * H + 4] = NaN; // feature 4 (in the SIMD block) ...
  inp[3 * H + 5] = NaN; // ... and feature 5 (the scalar tail)
  const nanCols = (a: Float32Array, rows: number) => {
    for (let i = 0; i < rows * H; i++) {
      if (Number.isNaN(a[i]) !== (i % H >= 4)) assert.unreachable(`element ${i} is ${a[i]}`);
    }
  };
  const op = f32buf(B * H), mp = f32buf(H), sp = f32buf(H), vp = f32buf(H), rp = f32buf(H);
  k.bn_notebook_forward(op, mp, sp, f32buf(inp), f32buf(gain), f32buf(bias), B, H);
  nanCols(readF32(op, B * H), B); nanCols(readF32(mp, H), 1); nanCols(readF32(sp, H), 1);
  k.bn_torch_forward(op, mp, vp, rp, f32buf(inp), f32buf(gain), f32buf(bias), EPS, B, H);
  nanCols(readF32(op, B * H), B); nanCols(readF32(vp, H), 1); nanCols(readF32(rp, H), 1);
});

/** Central differences of sum(dout * out) through fwd, against the gradients from bwd. */
function checkFiniteDifferences(label: string, B: number, H: number,
  fwd: (out: Float64Array, inp: Float64Array, gain: Float64Array, bias: Float64Array) => void,
  bwd: (dinp: Float64Array, dgain: Float64Array, dbias: Float64Array, dout: Float64Array, inp: Float64Array, gain: Float64Array) => void) {
  const inp = uniform(B * H, 21, -2, 2), gain = uniform(H, 22, 0.5, 1.5), bias = uniform(H, 23), dout = uniform(B * H, 24);
  const dinp = new Float64Array(B * H), dgain = new Float64Array(H), dbias = new Float64Array(H);
  bwd(dinp, dgain, dbias, dout, inp, gain);
  const out = new Float64Array(B * H);
  const loss = () => { fwd(out, inp, gain, bias); return out.reduce((s, o, i) => s + o * dout[i], 0); };
  const h = 1e-6;
  for (const [x, g, name] of [[inp, dinp, 'dinp'], [gain, dgain, 'dgain'], [bias, dbias, 'dbias']] as const) {
    const fd = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const x0 = x[i];
      x[i] = x0 + h; const up = loss();
      x[i] = x0 - h; const down = loss();
      x[i] = x0;
      fd[i] = (up - down) / (2 * h);
    }
    assertClose(g, fd, 1e-7, `${label} ${name}`, 1e-7);
  }
}

test('batchnorm: notebook reference backward matches finite differences of its forward', () => {
  for (const [B, H] of [[2, 1], [5, 3], [32, 4]]) {
    const mean = new Float64Array(H), std = new Float64Array(H);
    checkFiniteDifferences(`notebook B=${B} H=${H}`, B, H,
      (out, inp, gain, bias) => bnNotebookForward(out, mean, std, inp, gain, bias, B, H),
      (dinp, dgain, dbias, dout, inp, gain) => {
        bnNotebookForward(new Float64Array(B * H), mean, std, inp, gain, new Float64Array(H), B, H);
        bnNotebookBackward(dinp, dgain, dbias, dout, inp, gain, mean, std, B, H);
      });
  }
});

test('batchnorm: torch reference backward matches finite differences of its forward', () => {
  for (const [B, H] of [[2, 1], [5, 3], [32, 4]]) {
    const mean = new Float64Array(H), v = new Float64Array(H), rstd = new Float64Array(H);
    checkFiniteDifferences(`torch B=${B} H=${H}`, B, H,
      (out, inp, gain, bias) => bnTorchForward(out, mean, v, rstd, inp, gain, bias, 1e-5, B, H),
      (dinp, dgain, dbias, dout, inp, gain) => {
        bnTorchForward(new Float64Array(B * H), mean, v, rstd, inp, gain, new Float64Array(H), 1e-5, B, H);
        bnTorchBackward(dinp, dgain, dbias, dout, inp, gain, mean, rstd, B, H);
      });
  }
});

test.run();
