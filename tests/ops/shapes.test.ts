// Shape and indexing ops against PyTorch 1.13 (tests/fixtures/shapes.json, from
// tools/fixtures/shapes.py): the same float32 inputs, the output(s), and every input's gradient
// of sum(out * w). Views, copies and index ops move values without arithmetic, so they must agree
// bit for bit; the gradients that add (expand, repeated indices) agree to float32 rounding.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, tensor, F, cat, stack, Tensor } from '../../src/index.ts';
import { kernels } from '../../src/wasm/load.ts';

await init();
const fx = JSON.parse(readFileSync(new URL('../fixtures/shapes.json', import.meta.url), 'utf8'));

type Fix = { shape: number[]; int: boolean; data: number[] };
interface Case { name: string; inputs: Fix[]; outs: Fix[]; ws: (number[] | null)[]; grads: (number[] | null)[] }
type Op = (...xs: Tensor[]) => Tensor | Tensor[];

const ops: Record<string, Op> = {
  'view': (x) => x.view(4, -1).view(2, 30),
  'reshape of a transposed view': (x) => x.transpose(0, 2).reshape(-1, 6),
  'transpose': (x) => x.transpose(0, 2),
  'T': (x) => x.T,
  'permute': (x) => x.permute(2, 0, 3, 1),
  'unsqueeze': (x) => x.unsqueeze(1).unsqueeze(-1),
  'squeeze all': (x) => x.squeeze(),
  'squeeze dim': (x) => x.squeeze(1),
  'flatten': (x) => x.flatten(1, 2),
  'expand': (x) => x.expand(2, 3, 33),
  'expand -1': (x) => x.expand(5, -1),
  'expandAs': (x, y) => x.expandAs(y),
  'contiguous': (x) => x.T.contiguous(),
  'split size': (x) => x.split(3, 0),
  'split sizes': (x) => x.split([2, 3], 1),
  'chunk': (x) => x.chunk(3, 0),
  'chunk uneven': (x) => x.chunk(4, 1),
  'narrow': (x) => x.narrow(1, 4, 20),
  'narrow negative start': (x) => x.narrow(0, -3, 2),
  'slice step': (x) => x.slice(1, 1, 30, 3),
  'slice negative': (x) => x.slice(0, -3).slice(1, null, null, 2),
  'select': (x) => x.select(1, -2),
  'clone': (x) => x.clone(),
  'unbind': (x) => x.unbind(1),
  'view of a view shares the gradient': (x) => [x.slice(0, 1, 5).view(2, 8), x.T.index(2)],
  'cat dim 1': (a, b, d) => cat([a, b, d], 1),
  'cat dim 0': (a, b) => F.cat([a, b], 0),
  'cat 3-D of strided views': (a, b) => cat([a.transpose(1, 2), b.permute(1, 2, 0)], 2),
  'cat skips 1-D empty': (a, b, d) => cat([a, b, d]),
  'cat the same tensor twice': (a) => cat([a, a.mul(2), a], 0),
  'stack dim 0': (a, b) => stack([a, b], 0),
  'stack dim 2': (a, b, d) => F.stack([a, b, d], 2),
  'stack dim -1 of 1-D': (a, b) => stack([a, b], -1),
  'roll dim 0': (x) => x.roll(1, 0),
  'roll two dims': (x) => x.roll([2, -1], [0, 1]),
  'roll flat': (x) => x.roll(3),
  'roll 1-D negative': (x) => F.roll(x, -5, 0),
  'roll by more than the size': (x) => x.roll(7, 1),
  'gather dim 1': (x, i) => x.gather(1, i),
  'gather dim 0': (x, i) => x.gather(0, i),
  'gather 3-D': (x, i) => F.gather(x, 1, i),
  'gather smaller index': (x, i) => x.gather(1, i),
  'gather column (pluck)': (x, i) => x.gather(1, i),
  'scatterAdd dim 1': (x, i, s) => x.scatterAdd(1, i, s),
  'scatterAdd dim 0': (x, i, s) => F.scatterAdd(x, 0, i, s),
  'scatterAdd smaller index': (x, i, s) => x.scatterAdd(0, i, s),
  'scatterAdd larger src': (x, i, s) => x.scatterAdd(0, i, s),
  'tril': (x) => x.tril(),
  'tril -1': (x) => x.tril(-1),
  'triu 2': (x) => F.triu(x, 2),
  'tril 1 batched': (x) => x.tril(1),
  'triu -2 batched': (x) => x.triu(-2),
  'triu past the end': (x) => x.triu(10),
  'tril of a transposed view': (x) => x.T.tril(),
  'oneHot': (i) => F.oneHot(i, 5),
  'oneHot inferred': (i) => F.oneHot(i),
  'index tensor': (x, i) => x.index(i),
  'index list negative': (x) => x.index([1, -1, 0, -5]),
  'index rows and cols (pluck)': (x, r, k) => x.index(r, k),
  'index second dim': (x, i) => x.index(null, i),
  'index apart dims go first': (x, i, j) => x.index(i, null, j),
  'index broadcast 2-D with 1-D': (x, i, j) => x.index(null, i, j),
  'index ellipsis': (x, i) => x.index('...', i),
  'index numbers': (x) => x.index(1, null, -1),
  'index number then tensor': (x, i) => x.index(0, null, i),
  'index number between tensors': (x, i, j) => x.index(i, 0, j),
  'index slice': (x) => x.index(null, { start: 1, end: 3 }),
  'index slice and tensor': (x, i) => x.index({ start: 1 }, i, { step: 2 }),
  'embedding': (i, w) => F.embedding(i, w),
};

/** Builds the inputs (int64 indices become int32), runs op, backpropagates sum(out * w). */
function run(c: Case, op: Op): { xs: Tensor[]; outs: Tensor[] } {
  const xs = c.inputs.map((x, i) => (x.int
    ? tensor(Int32Array.from(x.data), { shape: x.shape, dtype: 'int32' })
    : tensor(Float32Array.from(x.data), { shape: x.shape, requiresGrad: c.grads[i] !== null })));
  const r = op(...xs);
  const outs = Array.isArray(r) ? r : [r];
  let loss: Tensor | null = null;
  outs.forEach((o, i) => {
    const w = c.ws[i];
    if (!w || !o.requiresGrad) return;
    const part = o.mul(tensor(Float32Array.from(w), { shape: o.shape })).sum();
    loss = loss ? loss.add(part) : part;
  });
  if (loss) (loss as Tensor).backward();
  return { xs, outs };
}

function compare(got: ArrayLike<number>, want: number[], tol: number, what: string): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= tol * Math.max(1, Math.abs(want[i]))) && !(Object.is(got[i], want[i]))) {
      assert.unreachable(`${what}: element ${i} is ${got[i]}, PyTorch ${want[i]} (diff ${d})`);
    }
  }
}

function check(c: Case, op: Op, tol: number): void {
  const { xs, outs } = run(c, op);
  assert.is(outs.length, c.outs.length, `${c.name}: number of outputs`);
  outs.forEach((o, i) => {
    assert.equal([...o.shape], c.outs[i].shape, `${c.name}: shape of output ${i}`);
    assert.is(o.dtype, c.outs[i].int ? 'int32' : 'float32', `${c.name}: dtype of output ${i}`);
    compare(o.toArray(), c.outs[i].data, tol, `${c.name}: output ${i}`);
  });
  xs.forEach((x, i) => {
    const want = c.grads[i];
    // PyTorch gives no gradient (unused or index inputs) or an empty one (an empty input).
    if (!want || want.length === 0) { assert.ok(!x.grad || x.grad.numel() === 0, `${c.name}: input ${i} has no gradient in PyTorch`); return; }
    assert.ok(x.grad, `${c.name}: input ${i} got no gradient`);
    compare(x.grad!.toArray(), want, tol, `${c.name}: gradient of input ${i}`);
  });
}

test('shapes: every fixture case has an op here', () => {
  const missing = (fx.shapes as Case[]).map((c) => c.name).filter((n) => !(n in ops));
  assert.equal(missing, [], 'cases without a TS op');
});

for (const c of fx.shapes as Case[]) {
  test(`shapes: ${c.name} matches PyTorch (forward and gradients)`, () => {
    // Inputs are multiples of 2^-10, so even the gradients that add (expand, repeats) are exact.
    check(c, ops[c.name], 0);
  });
}

test('matmul: every case matches PyTorch (forward and gradients)', () => {
  for (const c of fx.matmul as Case[]) {
    const op: Op = c.name.includes('attention q@kT') ? (q, k) => q.matmul(k.transpose(-2, -1))
      : c.name === 'matmul transposed left' ? (a, b) => a.T.matmul(b)
      : c.name === 'matmul transposed right (linear)' ? (x, w) => x.matmul(w.T)
      : c.name === 'matmul both transposed' ? (a, b) => a.T.matmul(b.T)
      : c.name === 'matmul batched transposed left' ? (a, b) => a.transpose(1, 2).matmul(b)
      : c.name === 'matmul strided batch (permuted)' ? (a, b) => a.permute(1, 0, 2, 3).matmul(b.unsqueeze(1))
      : c.name === 'matmul of a sliced operand' ? (a, b) => a.slice(1, null, null, 2).matmul(b.slice(0, null, null, 2).slice(1, 1))
      : c.name === 'matmul expanded operand' ? (a, b) => a.expand(2, 3, 4).matmul(b)
      : (a, b) => F.matmul(a, b);
    // Sums of up to 200 products in another order than PyTorch's: float32 rounding apart.
    check(c, op, 2e-5);
  }
});

test('matmul: attention [B,H,T,D] @ [B,H,D,T] is one kernel call forward and one per gradient backward', () => {
  const k = kernels() as unknown as Record<string, (...a: number[]) => void>;
  const real = k.matmul_batched;
  let calls = 0;
  k.matmul_batched = (...a: number[]) => { calls++; real(...a); };
  try {
    const q = tensor(new Float32Array(2 * 4 * 8 * 16).fill(0.5), { shape: [2, 4, 8, 16], requiresGrad: true });
    const kk = tensor(new Float32Array(2 * 4 * 8 * 16).fill(0.25), { shape: [2, 4, 8, 16], requiresGrad: true });
    const att = q.matmul(kk.transpose(-2, -1));
    assert.is(calls, 1, 'forward');
    assert.equal([...att.shape], [2, 4, 8, 8]);
    att.sum().backward();
    assert.is(calls, 3, 'backward: one call per operand');
    // A broadcast batch ([2,1] with [1,3]) is one call as well.
    calls = 0;
    tensor(new Float32Array(2 * 5 * 4), { shape: [2, 1, 5, 4] }).matmul(tensor(new Float32Array(3 * 4 * 6), { shape: [1, 3, 4, 6] }));
    assert.is(calls, 1, 'broadcast batch');
  } finally {
    k.matmul_batched = real;
  }
});

test('index: a float mask is refused with what to use instead', () => {
  const x = tensor([1, 2, 3]);
  assert.throws(() => x.index(x.gt(1)), /must be an int32 tensor, got float32; a mask .* F\.where/);
});

test('factories: arange, linspace and eye match PyTorch bit for bit', async () => {
  const { arange, linspace, eye } = await import('../../src/index.ts');
  for (const c of fx.factories.arange) {
    // A JS number does not say 5 from 5.0: PyTorch's float arguments are passed with a dtype.
    const args = c.args as number[];
    const t = c.dtype === 'float32' && args.every(Number.isInteger) ? arange(...args, { dtype: 'float32' }) : arange(...args);
    assert.is(t.dtype, c.dtype, `arange(${c.args}) dtype`);
    compare(t.toArray(), c.data, 0, `arange(${c.args})`);
  }
  for (const c of fx.factories.linspace) compare(linspace(c.args[0], c.args[1], c.args[2]).toArray(), c.data, 0, `linspace(${c.args})`);
  for (const c of fx.factories.eye) compare(eye(...c.args as [number, number]).toArray(), c.data, 0, `eye(${c.args})`);
});

test.run();
