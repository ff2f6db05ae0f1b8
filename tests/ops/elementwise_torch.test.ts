// Element-wise ops against PyTorch 1.13 (tests/fixtures/ops_elementwise.json, from
// tools/fixtures/ops_elementwise.py): forward and gradients on SIMD-tail sizes, every kind of
// broadcast, numbers on either side, and edge values (NaN, ±inf, ±100, ±10).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, F, tensor, type Tensor } from '../../src/index.ts';
import { loadFixture, fromFixture, close, num, type Nested } from '../helpers/fixtures.ts';

await init();
const fx = loadFixture('ops_elementwise.json');

// Exact ops must match bit for bit; the others within float32 rounding of PyTorch's own kernels
// (which approximate exp/erf/tanh within an ulp or two; gelu uses oneDNN's erf, ~4e-7 off).
const TOL: Record<string, number> = {
  neg: 0, abs: 0, sign: 0, relu: 0, square: 0, clamp: 0, clamp_min: 0, clamp_max: 0, reciprocal: 0, sqrt: 0, rsqrt: 0,
  maximum: 0, minimum: 0, where: 0, maskedFill: 0,
};
const tol = (op: string) => TOL[op] ?? 1e-6;
const gradTol = (op: string) => TOL[op] ?? 3e-6;
// A broadcast input's gradient is a sum, which PyTorch adds up in another order: 1e-6 there.
const sumTol = (op: string) => Math.max(gradTol(op), 1e-6);

type Opts = unknown;
const UNARY: Record<string, (x: Tensor, o: Opts) => Tensor> = {
  neg: (x) => x.neg(), abs: (x) => x.abs(), sign: (x) => x.sign(), sqrt: (x) => x.sqrt(), rsqrt: (x) => x.rsqrt(),
  exp: (x) => x.exp(), log: (x) => x.log(), log1p: (x) => x.log1p(), sin: (x) => x.sin(), cos: (x) => x.cos(),
  tanh: (x) => x.tanh(), sigmoid: (x) => x.sigmoid(), relu: (x) => x.relu(), gelu: (x) => F.gelu(x),
  gelu_tanh: (x, o) => F.gelu(x, o as { approximate: 'tanh' }), square: (x) => x.square(), reciprocal: (x) => x.reciprocal(),
  clamp: (x, o) => x.clamp(...(o as [number, number])), clamp_min: (x, o) => x.clamp((o as number[])[0]),
  clamp_max: (x, o) => x.clamp(null, (o as number[])[1]), pow_number: (x, o) => x.pow((o as number[])[0]),
};

function runUnary(c: { op: string; opts: Opts; shape: number[]; x: Nested; w: Nested; out: Nested; grad: Nested }, what: string): [number, number] {
  const x = fromFixture(c.x, c.shape, true);
  const y = UNARY[c.op](x, c.opts);
  assert.equal(y.shape, c.shape, `${what}: shape`);
  const f = close(y, c.out, tol(c.op), `${what} forward`);
  y.mul(fromFixture(c.w, c.shape)).sum().backward();
  return [f, close(x.grad!, c.grad, gradTol(c.op), `${what} grad`)];
}

test('unary ops: forward and gradient match PyTorch at sizes 1, 3, 4, 5, 33 and 3x11', () => {
  const worst: Record<string, number> = {};
  for (const c of fx.unary) {
    const [f, g] = runUnary(c, `${c.op} ${JSON.stringify(c.shape)}`);
    worst[c.op] = Math.max(worst[c.op] ?? 0, f, g);
  }
  assert.equal(Object.keys(worst).sort(), Object.keys(UNARY).sort(), 'every unary op has fixtures');
  console.log('    maxdiff', Object.entries(worst).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', '));
});

test('unary ops: NaN, ±inf, ±100, ±10, ±0 and 1e-30 give PyTorch values and gradients', () => {
  for (const c of fx.edges) runUnary(c, `${c.op} edges`);
});

type Side = { shape: number[] | null; data: Nested; grad: Nested } | { number: number };
const side = (s: Side): Tensor | number => ('number' in s ? s.number : fromFixture(s.data, s.shape!, true));

const BINARY: Record<string, (a: Tensor | number, b: Tensor | number) => Tensor> = { pow: F.pow, maximum: F.maximum, minimum: F.minimum };

test('pow/maximum/minimum: every broadcast and numbers on either side match PyTorch, gradients included', () => {
  for (const c of fx.binary) {
    const what = `${c.op} ${'number' in c.a ? c.a.number : JSON.stringify(c.a.shape)} with ${'number' in c.b ? c.b.number : JSON.stringify(c.b.shape)}`;
    const a = side(c.a), b = side(c.b);
    const y = BINARY[c.op](a, b);
    assert.equal(y.shape, c.shape, `${what}: shape`);
    close(y, c.out, tol(c.op), `${what} forward`);
    y.mul(fromFixture(c.w, c.shape)).sum().backward();
    const t = (s: number[] | null) => (JSON.stringify(s) === JSON.stringify(c.shape) ? gradTol(c.op) : sumTol(c.op));
    if (typeof a !== 'number') close(a.grad!, c.a.grad, t(c.a.shape), `${what} grad a`);
    if (typeof b !== 'number') close(b.grad!, c.b.grad, t(c.b.shape), `${what} grad b`);
  }
});

test('pow: gradients at zero bases, zero exponents, negative bases and NaN match PyTorch', () => {
  const e = fx.powEdges, n = e.a.length;
  const a = fromFixture(e.a, [n], true), b = fromFixture(e.b, [n], true);
  const y = a.pow(b);
  close(y, e.out, 1e-6, 'pow edges forward');
  y.sum().backward();
  close(a.grad!, e.grad_a, 1e-6, 'pow edges grad base');
  close(b.grad!, e.grad_b, 1e-6, 'pow edges grad exponent');
});

test('where/maskedFill/clamp with tensor bounds: broadcasts and gradients match PyTorch', () => {
  for (const c of fx.select) {
    let y: Tensor;
    const grads: [Tensor | number | null, Side | null][] = [];
    if (c.op === 'where') {
      const a = side(c.a), b = side(c.b);
      y = F.where(fromFixture(c.cond.data, c.cond.shape), a, b);
      grads.push([a, c.a], [b, c.b]);
    } else if (c.op === 'maskedFill') {
      const x = side(c.x) as Tensor;
      const v = 'number' in c.value ? num(c.value.number) : side(c.value);
      y = x.maskedFill(fromFixture(c.mask.data, c.mask.shape), v);
      grads.push([x, c.x], [v, c.value]);
    } else {
      const x = side(c.x) as Tensor, lo = c.min ? side(c.min) : null, hi = c.max ? side(c.max) : null;
      y = x.clamp(lo, hi);
      grads.push([x, c.x], [lo, c.min], [hi, c.max]);
    }
    const what = `${c.op} -> ${JSON.stringify(c.shape)}`;
    assert.equal(y.shape, c.shape, `${what}: shape`);
    close(y, c.out, 0, `${what} forward`);
    if (!y.requiresGrad) continue;
    y.mul(fromFixture(c.w, c.shape)).sum().backward();
    grads.forEach(([t, s], i) => {
      if (!t || typeof t === 'number' || !s || 'number' in s) return;
      close(t.grad!, s.grad, JSON.stringify(t.shape) === JSON.stringify(c.shape) ? 0 : sumTol(c.op), `${what} grad ${i}`);
    });
  }
});

test('element-wise: bad arguments are one clear error naming the op and argument', () => {
  const x = tensor([1, 2, 3]);
  assert.throws(() => F.pow(2, 3 as never), /pow: at least one argument must be a Tensor/);
  assert.throws(() => F.maximum(x, tensor([1, 2])), /maximum: shapes \[3\] and \[2\] do not broadcast/);
  assert.throws(() => F.minimum(x, 'a' as never), /minimum: argument 'other' must be a Tensor or a number, got string/);
  assert.throws(() => x.clamp(), /clamp: give at least one of min and max/);
  assert.throws(() => x.clamp('0' as never), /clamp: argument 'min' must be a number, a Tensor or null/);
  assert.throws(() => F.gelu(x, { approximate: 'tan' } as never), /gelu: approximate must be 'none' or 'tanh'/);
  assert.throws(() => F.gelu(x, { approx: 'tanh' } as never), /gelu: unknown option 'approx'/);
  assert.throws(() => F.where(x.gt(1), x, tensor([1, 2])), /where: shapes \[3\] and \[2\] do not broadcast/);
  assert.throws(() => F.where(null as never, x, 0), /where: argument 'condition' must be a Tensor/);
  assert.throws(() => x.maskedFill(x.gt(1), tensor([1, 2, 3])), /maskedFill: a tensor value must be 0-dim/);
  assert.throws(() => tensor(new Int32Array([1, 2])).relu(), /relu: argument 'input' must be float32, got int32/);
});

test('where/maskedFill: an int32 mask works as a bool one (nonzero is true)', () => {
  const x = tensor([1, 2, 3, 4]);
  const m = tensor(new Int32Array([0, 5, -1, 0]));
  assert.equal(Array.from(F.where(m, x, 0).toArray()), [0, 2, 3, 0]);
  assert.equal(Array.from(x.maskedFill(m, -1).toArray()), [1, -1, -1, 4]);
});

test('sign: its gradient is zero, and the input still gets a .grad as in PyTorch', () => {
  const x = tensor([1, -2, 0], { requiresGrad: true });
  x.sign().mul(3).sum().backward();
  assert.equal(Array.from(x.grad!.toArray()), [0, 0, 0]);
});

test.run();
