// Reductions against PyTorch 1.13 (tests/fixtures/ops_reduce.json, from tools/fixtures/ops_reduce.py):
// max/min (everything, or one dim with indices), argmax/argmin, amax/amin and logsumexp over
// every dim and lists of dims, keepdim or not, with ties and NaN/±inf, forward and gradients.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, F, tensor, type Tensor } from '../../src/index.ts';
import { loadFixture, fromFixture, close, type Nested } from '../helpers/fixtures.ts';

await init();
const fx = loadFixture('ops_reduce.json');

interface Case { op: string; x: number; args: unknown[]; outShape: number[]; out: Nested; indices?: Nested; w?: Nested; grad?: Nested }

// max/min/amax/amin pick elements: exact. logsumexp sums exps in float64 where PyTorch uses float32.
const tolOf = (op: string) => (op === 'logsumexp' ? 1e-6 : 0);

function run(c: Case, what: string): void {
  const inp = fx.inputs[c.x];
  const x = fromFixture(inp.data, inp.shape, c.w !== undefined);
  const [dim, keepdim] = c.args as [number | number[] | null, boolean];
  let y: Tensor, indices: Tensor | null = null;
  switch (c.op) {
    case 'max': case 'min': {
      if (c.args.length === 0) y = c.op === 'max' ? x.max() : x.min();
      else { const r = c.op === 'max' ? x.max(dim as number, keepdim) : x.min(dim as number, keepdim); y = r.values; indices = r.indices; }
      break;
    }
    case 'argmax': y = x.argmax(dim as number | null, keepdim); break;
    case 'argmin': y = x.argmin(dim as number | null, keepdim); break;
    case 'amax': y = x.amax(dim, keepdim); break;
    case 'amin': y = x.amin(dim, keepdim); break;
    case 'logsumexp': y = x.logsumexp(dim as number | number[], keepdim); break;
    default: throw new Error(`unknown op ${c.op}`);
  }
  assert.equal(y.shape, c.outShape, `${what}: shape`);
  if (c.op.startsWith('arg')) assert.is(y.dtype, 'int32', `${what}: indices are int32`);
  close(y, c.out, tolOf(c.op), `${what} forward`);
  if (c.indices !== undefined) {
    assert.is(indices!.dtype, 'int32');
    close(indices!, c.indices, 0, `${what} indices`);
  }
  if (c.w !== undefined) {
    y.mul(fromFixture(c.w, c.outShape)).sum().backward();
    close(x.grad!, c.grad!, c.op === 'logsumexp' ? 2e-6 : 0, `${what} grad`);
  }
}

test('max/min/argmax/argmin/amax/amin/logsumexp: every dim and list of dims, keepdim, ties, against PyTorch', () => {
  const seen = new Set<string>();
  for (const c of fx.cases as Case[]) {
    run(c, `${c.op}(${JSON.stringify(c.args)}) of ${JSON.stringify(fx.inputs[c.x].shape)}`);
    seen.add(c.op);
  }
  assert.equal([...seen].sort(), ['amax', 'amin', 'argmax', 'argmin', 'logsumexp', 'max', 'min']);
});

test('reductions: NaN wins (first NaN index), ±inf and 1e4 in logsumexp, ties split or go to the first index', () => {
  for (const c of fx.edges as Case[]) run(c, `${c.op}(${JSON.stringify(c.args)}) edges`);
});

test('max/min: a tensor argument is the element-wise maximum; results destructure as [values, indices]', () => {
  const x = tensor([[1, 5, 2], [7, 0, 7]]);
  assert.equal(x.max(tensor([3])).tolist(), [[3, 5, 3], [7, 3, 7]]);
  const [values, indices] = x.min(1, true);
  assert.equal(values.tolist(), [[1], [0]]);
  assert.equal(indices.tolist(), [[0], [1]]);
  assert.equal(F.max(x, 0).indices.tolist(), [1, 0, 1]);
  assert.equal(tensor(3).max(0).values.tolist(), 3);
});

test('reductions: empty inputs and bad dims are clear errors', () => {
  const e = tensor(new Float32Array(0), { shape: [0, 3] });
  assert.throws(() => e.max(), /max: the input is empty \(shape \[0, 3\]\): give a dim/);
  assert.throws(() => e.argmax(0), /argmax: cannot reduce over dim 0 of shape \[0, 3\]: it has size 0/);
  assert.equal(e.amax(1).shape, [0]);
  assert.throws(() => e.amax(0), /amax: cannot reduce over dim 0/);
  assert.equal(e.logsumexp(0).tolist(), [-Infinity, -Infinity, -Infinity]);
  const x = tensor([[1, 2], [3, 4]]);
  assert.throws(() => x.max(2), /max: dim 2 is out of range for a 2-D tensor/);
  assert.throws(() => x.max([0, 1] as never), /max: dim must be one number, got a list; for several dims use amax/);
  assert.throws(() => x.amin([0, 0]), /amin: dim \[0,0\] repeats a dim/);
  assert.throws(() => x.logsumexp(undefined as never), /logsumexp: give the dim/);
  assert.throws(() => tensor(new Int32Array([1, 2])).argmax(), /argmax: argument 'input' must be float32/);
});

test.run();
