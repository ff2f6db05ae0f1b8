// The backward of every element-wise op and reduction of the PyTorch surface against central
// finite differences of a float64 reference (tests/helpers/gradcheck.ts), at SIMD-tail sizes,
// every kind of broadcast and lists of dims. (PyTorch's own numbers: elementwise_torch.test.ts
// and reduce_torch.test.ts.)
import { test } from 'uvu';
import { init, F, type Tensor } from '../../src/index.ts';
import { checkOp, type Ref } from '../helpers/gradcheck.ts';
import { uniform } from '../helpers/kernels.ts';
import { erf } from '../../src/ref/activation.ts';

await init();

const SIZES = [1, 3, 4, 5, 33];
const map = (f: (x: number) => number): Ref => ([a]) => a.map(f);
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** A float64 reference for an element-wise f of broadcast inputs (any ranks). */
function broadcastRef(shapes: number[][], f: (...xs: number[]) => number): Ref {
  const nd = Math.max(...shapes.map((s) => s.length));
  const padded = shapes.map((s) => [...Array(nd - s.length).fill(1), ...s]);
  const out = Array.from({ length: nd }, (_, d) => Math.max(...padded.map((s) => s[d])));
  const strides = padded.map((s) => s.map((n, d) => (n === 1 ? 0 : numel(s.slice(d + 1)))));
  return (xs) => Float64Array.from({ length: numel(out) }, (_, i) => {
    const args = xs.map((x, j) => {
      let off = 0, rest = i;
      for (let d = nd - 1; d >= 0; d--) { off += (rest % out[d]) * strides[j][d]; rest = Math.floor(rest / out[d]); }
      return x[off];
    });
    return f(...args);
  });
}

/** A float64 reference for a reduction of shape over dims (all when null), in PyTorch's output order. */
function reduceRef(shape: number[], dims: number[] | null, f: (v: number[]) => number): Ref {
  const red = dims === null ? shape.map((_, i) => i) : dims.map((d) => (d < 0 ? d + shape.length : d));
  const kept = shape.map((_, i) => i).filter((i) => !red.includes(i));
  const strides = shape.map((_, d) => numel(shape.slice(d + 1)));
  const walk = (ds: number[], f2: (off: number) => void, base = 0, j = 0): void => {
    if (j === ds.length) { f2(base); return; }
    for (let i = 0; i < shape[ds[j]]; i++) walk(ds, f2, base + i * strides[ds[j]], j + 1);
  };
  return ([x]) => {
    const out: number[] = [];
    walk(kept, (base) => { const vals: number[] = []; walk(red, (off) => vals.push(x[base + off])); out.push(f(vals)); });
    return Float64Array.from(out);
  };
}

const awayFromZero = (i: number, n: number) => uniform(n, 31 + i, 0.2, 1.5).map((v, j) => (j % 2 ? -v : v));
const positive = (i: number, n: number) => uniform(n, 41 + i, 0.2, 3);

test('unary ops: backward matches finite differences at sizes 1, 3, 4, 5, 33', () => {
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  for (const n of SIZES) {
    const s = [[n]];
    checkOp(`abs ${n}`, s, ([a]) => a.abs(), map(Math.abs), { values: awayFromZero });
    checkOp(`sign ${n}`, s, ([a]) => a.sign().mul(a), map((x) => Math.sign(x) * x), { values: awayFromZero });
    checkOp(`rsqrt ${n}`, s, ([a]) => a.rsqrt(), map((x) => 1 / Math.sqrt(x)), { values: positive });
    checkOp(`log1p ${n}`, s, ([a]) => a.log1p(), map(Math.log1p));
    checkOp(`sin ${n}`, s, ([a]) => a.sin(), map(Math.sin), { values: (i, m) => uniform(m, 5, -4, 4) });
    checkOp(`cos ${n}`, s, ([a]) => a.cos(), map(Math.cos), { values: (i, m) => uniform(m, 6, -4, 4) });
    checkOp(`sigmoid ${n}`, s, ([a]) => a.sigmoid(), map(sig), { values: (i, m) => uniform(m, 7, -6, 6) });
    checkOp(`relu ${n}`, s, ([a]) => a.relu(), map((x) => Math.max(x, 0)), { values: awayFromZero });
    checkOp(`gelu ${n}`, s, ([a]) => F.gelu(a), map((x) => 0.5 * x * (1 + erf(x / Math.SQRT2))), { values: (i, m) => uniform(m, 8, -4, 4) });
    checkOp(`gelu tanh ${n}`, s, ([a]) => F.gelu(a, { approximate: 'tanh' }),
      map((x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))), { values: (i, m) => uniform(m, 9, -4, 4) });
    checkOp(`square ${n}`, s, ([a]) => a.square(), map((x) => x * x));
    checkOp(`reciprocal ${n}`, s, ([a]) => a.reciprocal(), map((x) => 1 / x), { values: awayFromZero });
    checkOp(`clamp ${n}`, s, ([a]) => a.clamp(-0.5, 0.6), map((x) => Math.min(Math.max(x, -0.5), 0.6)));
    checkOp(`clamp min ${n}`, s, ([a]) => a.clamp(0.1), map((x) => Math.max(x, 0.1)));
    checkOp(`clamp max ${n}`, s, ([a]) => a.clamp(null, -0.1), map((x) => Math.min(x, -0.1)));
  }
});

// Broadcast pairs: same shape, row, column, 0-dim, [3,4,5]+[4,5], [4,1]*[1,5], [5,1]+[5], small side first.
const PAIRS = [[[3, 5], [3, 5]], [[4, 5], [5]], [[4, 5], [4, 1]], [[4, 5], []], [[3, 4, 5], [4, 5]], [[4, 1], [1, 5]], [[5, 1], [5]], [[5], [4, 5]]];

test('pow/maximum/minimum with tensors: backward matches finite differences for every broadcast', () => {
  for (const [sa, sb] of PAIRS) {
    const what = `${JSON.stringify(sa)} ${JSON.stringify(sb)}`;
    checkOp(`pow ${what}`, [sa, sb], ([a, b]) => a.pow(b), broadcastRef([sa, sb], Math.pow),
      { values: (i, n) => (i === 0 ? uniform(n, 51, 0.3, 2) : uniform(n, 52, -2, 2)) });
    checkOp(`maximum ${what}`, [sa, sb], ([a, b]) => F.maximum(a, b), broadcastRef([sa, sb], Math.max));
    checkOp(`minimum ${what}`, [sa, sb], ([a, b]) => F.minimum(a, b), broadcastRef([sa, sb], Math.min));
  }
});

test('pow/maximum/minimum with a number on either side backpropagate to the tensor', () => {
  const pos = (i: number, n: number) => uniform(n, 61 + i, 0.3, 2);
  for (const n of SIZES) {
    checkOp(`pow(2, x) ${n}`, [[n]], ([a]) => F.pow(2, a), map((x) => 2 ** x));
    checkOp(`pow(x, 1.5) ${n}`, [[n]], ([a]) => F.pow(a, 1.5), map((x) => x ** 1.5), { values: pos });
    checkOp(`maximum(x, 0.2) ${n}`, [[n]], ([a]) => F.maximum(a, 0.2), map((x) => Math.max(x, 0.2)));
    checkOp(`minimum(-0.1, x) ${n}`, [[n]], ([a]) => F.minimum(-0.1, a), map((x) => Math.min(x, -0.1)));
  }
});

test('where/maskedFill/clamp with tensor bounds: backward matches finite differences, broadcasting', () => {
  for (const [sc, sa, sb] of [[[4, 5], [4, 5], [4, 5]], [[4, 1], [5], []], [[5], [3, 4, 5], [4, 1]]]) {
    const ref = broadcastRef([sc, sa, sb], (c, a, b) => (c > 0 ? a : b));
    checkOp(`where ${JSON.stringify([sc, sa, sb])}`, [sc, sa, sb], ([c, a, b]) => F.where(c.gt(0), a, b), ref, { wrt: [1, 2] });
  }
  checkOp('maskedFill value tensor', [[4, 5], [5], []], ([x, m, v]) => x.maskedFill(m.gt(0), v.view([])),
    broadcastRef([[4, 5], [5], []], (x, m, v) => (m > 0 ? v : x)), { wrt: [0, 2] });
  checkOp('maskedFill number', [[3, 1], [3, 4]], ([x, m]) => x.maskedFill(m.gt(0), -2),
    broadcastRef([[3, 1], [3, 4]], (x, m) => (m > 0 ? -2 : x)), { wrt: [0] });
  for (const [sx, sl, sh] of [[[4, 5], [5], [4, 1]], [[3, 4, 5], [4, 5], []], [[33], [33], [33]]]) {
    const vals = (i: number, n: number) => (i === 0 ? uniform(n, 71, -2, 2) : i === 1 ? uniform(n, 72, -1.5, 0) : uniform(n, 73, 0, 1.5));
    checkOp(`clamp tensors ${JSON.stringify([sx, sl, sh])}`, [sx, sl, sh], ([x, l, h]) => x.clamp(l, h),
      broadcastRef([sx, sl, sh], (x, l, h) => Math.min(Math.max(x, l), h)), { values: vals });
  }
  checkOp('clamp tensor min only', [[4, 5], [5]], ([x, l]) => x.clamp(l), broadcastRef([[4, 5], [5]], Math.max));
  checkOp('clamp tensor max only', [[4, 5], [4, 1]], ([x, h]) => x.clamp(null, h), broadcastRef([[4, 5], [4, 1]], Math.min));
});

const lse = (v: number[]) => { const m = Math.max(...v); return Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0)) + m; };
const maxOf = (v: number[]) => Math.max(...v), minOf = (v: number[]) => Math.min(...v);

test('max/min/amax/amin/logsumexp: backward matches finite differences over dims and lists of dims', () => {
  for (const shape of [[1], [5], [33], [4, 5], [3, 4, 5], [2, 3, 4, 5]]) {
    const dimsList: (number[] | null)[] = [null, ...shape.map((_, i) => [i])];
    if (shape.length >= 3) dimsList.push([0, 2], [2, 0, 1], [1, 2]);
    if (shape.length === 4) dimsList.push([1, 3]);
    for (const dims of dimsList) {
      const what = `${JSON.stringify(shape)} dims ${JSON.stringify(dims)}`;
      const opt = { values: (i: number, n: number) => uniform(n, 81 + n, -3, 3) };
      if (dims === null) {
        checkOp(`max ${what}`, [shape], ([a]) => a.max(), reduceRef(shape, null, maxOf), opt);
        checkOp(`min ${what}`, [shape], ([a]) => a.min(), reduceRef(shape, null, minOf), opt);
      } else if (dims.length === 1) {
        checkOp(`max(dim) ${what}`, [shape], ([a]) => a.max(dims[0]).values, reduceRef(shape, dims, maxOf), opt);
        checkOp(`min(dim, keepdim) ${what}`, [shape], ([a]) => a.min(dims[0], true).values, reduceRef(shape, dims, minOf), opt);
      }
      checkOp(`amax ${what}`, [shape], ([a]) => a.amax(dims ?? undefined), reduceRef(shape, dims, maxOf), opt);
      checkOp(`amin ${what}`, [shape], ([a]) => a.amin(dims ?? [], true), reduceRef(shape, dims, minOf), opt);
      if (dims) checkOp(`logsumexp ${what}`, [shape], ([a]) => a.logsumexp(dims), reduceRef(shape, dims, lse), opt);
    }
  }
});

test('composites through the new ops backpropagate: a softmax from logsumexp, a leaky relu from where', () => {
  checkOp('x - logsumexp(x)', [[4, 5]], ([a]) => a.sub(a.logsumexp(1, true)).exp(), ([a]) => {
    const out = new Float64Array(20);
    for (let i = 0; i < 4; i++) { const row = Array.from(a.subarray(i * 5, i * 5 + 5)); const l = lse(row); row.forEach((v, j) => { out[i * 5 + j] = Math.exp(v - l); }); }
    return out;
  });
  checkOp('leaky relu', [[33]], ([a]) => F.where(a.gt(0), a, a.mul(0.01)), map((x) => (x > 0 ? x : 0.01 * x)), { values: awayFromZero });
  checkOp('pow(x, x)', [[5]], ([a]: Tensor[]) => a.pow(a), map((x) => x ** x), { values: positive });
});

test.run();
