// nn layers and F ops against PyTorch 1.13 (tests/fixtures/nn_optim.json): dropout's mask stream,
// layerNorm, linear, BatchNorm1d on (N, C, L), and a Sequential model built after manualSeed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, nn, F, tensor, manualSeed, Generator, noGrad, type Tensor } from '../../src/index.ts';
import { checkOp } from '../helpers/gradcheck.ts';
import { uniform, assertClose } from '../helpers/kernels.ts';
import { layerNormForward } from '../../src/ref/layer_norm.ts';

await init();
/** Within tol of PyTorch's values, relative to max(1, |value|). */
const close = (got: ArrayLike<number>, want: number[], tol: number, what: string) => assertClose(got, want, tol, what, tol);
const fx = JSON.parse(readFileSync(new URL('../fixtures/nn_optim.json', import.meta.url), 'utf8'));

const t = (v: number[] | null, shape: number[], requiresGrad = false) => tensor(v!, { shape, requiresGrad });

test('F.dropout: the same mask, values and gradient as torch.manual_seed(s); F.dropout(x, p)', () => {
  for (const c of fx.dropout) {
    const x = t(c.x, c.shape, true);
    const y = F.dropout(x, c.p, true, { generator: new Generator().manualSeed(c.seed) });
    assert.equal(Array.from(y.toArray()), c.y, `dropout p=${c.p} values`);
    y.mul(t(c.w, c.shape)).sum().backward();
    assert.equal(Array.from(x.grad!.toArray()), c.dx, `dropout p=${c.p} grad`);
  }
  const x = tensor([1, 2, 3]);
  assert.is(F.dropout(x, 0.5, false), x, 'eval: the input itself');
  assert.equal(Array.from(F.dropout(x, 1).toArray()), [0, 0, 0]);
  assert.throws(() => F.dropout(x, 1.5), /dropout: probability has to be between 0 and 1, but got 1.5/);
});

test('F.dropout: backward matches finite differences of x · mask / (1 - p), the mask drawn from the same seed', () => {
  for (const n of [1, 3, 4, 5, 33]) {
    const mask = new Generator().manualSeed(n).fillBernoulli(new Float32Array(n), 0.7);
    checkOp(`dropout ${n}`, [[n]], ([x]) => F.dropout(x, 0.3, true, { generator: new Generator().manualSeed(n) }),
      ([x]) => x.map((v, i) => v * mask[i] * Math.fround(1 / Math.fround(0.7))));
  }
});

test('nn.Dropout: the default generator by default (manualSeed), identity in eval mode', () => {
  const c = fx.dropout[0];
  const d = new nn.Dropout(c.p);
  manualSeed(c.seed);
  assert.equal(Array.from(d.forward(t(c.x, c.shape)).toArray()), c.y);
  d.eval();
  assert.equal(Array.from(d.forward(t(c.x, c.shape)).toArray()), c.x);
});

test('F.layerNorm: forward and the three gradients match PyTorch (1e-6), over one or two dims', () => {
  for (const c of fx.layerNorm) {
    const x = t(c.x, c.shape, true), w = c.w ? t(c.w, c.norm, true) : null, b = c.b ? t(c.b, c.norm, true) : null;
    const y = F.layerNorm(x, c.norm, w, b, c.eps);
    const what = `layerNorm ${JSON.stringify(c.shape)} over ${JSON.stringify(c.norm)}`;
    // NOTE: with one element per row the variance is 0 and rstd = 1/sqrt(eps) ≈ 316: PyTorch
    // computes x·rstd - mean·rstd (two roundings at 316·x), we compute (x - mean)·rstd = 0
    // exactly, so PyTorch's output is off from the bias by ~1e-5·x there.
    const one = c.norm[0] === 1; // (and the exact dx is 0, PyTorch's 3e-5)
    close(y.toArray(), c.y, one ? 3e-5 : 1e-6, what);
    y.mul(t(c.c, c.shape)).sum().backward();
    close(x.grad!.toArray(), c.dx, one ? 1e-4 : 1e-5, `${what} dx`);
    if (w) { close(w.grad!.toArray(), c.dw, 1e-5, `${what} dweight`); close(b!.grad!.toArray(), c.db, 1e-5, `${what} dbias`); }
  }
});

test('F.layerNorm: backward matches finite differences of the float64 reference', () => {
  for (const [M, N] of [[1, 1], [3, 4], [2, 5], [4, 33]]) {
    checkOp(`layerNorm ${M}x${N}`, [[M, N], [N], [N]], ([x, w, b]) => F.layerNorm(x, [N], w, b), ([x, w, b]) => {
      const out = new Float64Array(M * N);
      layerNormForward(out, new Float64Array(M), new Float64Array(M), x, w, b, Math.fround(1e-5), M, N);
      return out;
    }, { values: (i, n) => (i === 0 ? uniform(n, 5, -2, 3) : uniform(n, 6 + i, 0.5, 1.5)), rel: 2e-3 });
  }
});

test('F.linear: 1-D, 2-D and 3-D inputs, forward and gradients match PyTorch', () => {
  for (const c of fx.linear) {
    const x = t(c.x, c.xShape, true), W = t(c.W, [c.out, c.in], true), b = c.b ? t(c.b, [c.out], true) : null;
    const y = F.linear(x, W, b);
    assert.equal(y.shape, [...c.xShape.slice(0, -1), c.out]);
    close(y.toArray(), c.y, 1e-5, `linear ${JSON.stringify(c.xShape)}`);
    y.mul(t(c.c, y.shape as number[])).sum().backward();
    close(x.grad!.toArray(), c.dx, 1e-5, 'linear dx');
    close(W.grad!.toArray(), c.dW, 1e-5, 'linear dW');
    if (b) close(b.grad!.toArray(), c.db, 1e-5, 'linear db');
  }
  assert.throws(() => F.linear(tensor([[1, 2, 3]]), tensor([[1, 2]])), /linear: input's last dim must be in_features 2 \(weight \[1, 2\]\), got input \[1, 3\]/);
});

test('F.linear: backward matches finite differences', () => {
  for (const [M, I, O] of [[1, 1, 1], [3, 4, 5], [5, 33, 3], [2, 3, 33]]) {
    checkOp(`linear ${M}x${I} -> ${O}`, [[M, I], [O, I], [O]], ([x, W, b]) => F.linear(x, W, b), ([x, W, b]) => {
      const out = new Float64Array(M * O);
      for (let i = 0; i < M; i++) for (let o = 0; o < O; o++) {
        let s = b[o];
        for (let k = 0; k < I; k++) s += x[i * I + k] * W[o * I + k];
        out[i * O + o] = s;
      }
      return out;
    });
  }
});

test('nn.BatchNorm1d on (N, C, L): statistics over N and L per channel, as PyTorch, in both modes', () => {
  const c = fx.batchnorm;
  const bn = new nn.BatchNorm1d(3);
  bn.loadStateDict({ ...bn.stateDict(), weight: t(c.weight, [3]), bias: t(c.bias, [3]) });
  const x = t(c.x, [4, 3, 5], true);
  const y = bn.forward(x);
  close(y.toArray(), c.y, 1e-5, 'batchnorm (N,C,L) out');
  y.mul(t(c.c, [4, 3, 5])).sum().backward();
  close(x.grad!.toArray(), c.dx, 1e-4, 'batchnorm dx');
  close(bn.weight!.grad!.toArray(), c.dweight, 1e-4, 'batchnorm dweight');
  close(bn.bias!.grad!.toArray(), c.dbias, 1e-4, 'batchnorm dbias');
  close(bn.running_mean!.toArray(), c.running_mean, 1e-6, 'running_mean');
  close(bn.running_var!.toArray(), c.running_var, 1e-6, 'running_var');
  bn.eval();
  close(noGrad(() => bn.forward(t(c.x2, [2, 3, 5]))).toArray(), c.y2, 1e-5, 'eval (N,C,L)');
  assert.throws(() => bn.forward(tensor(new Float32Array(8), { shape: [2, 4] })), /BatchNorm1d: expected input \(N, 3\) or \(N, 3, L\), got \[2, 4\]/);
});

test('nn: a model built after manualSeed equals PyTorch\'s twin: state dict keys, shapes, values and output', () => {
  const m = fx.model;
  manualSeed(7);
  const model = new nn.Sequential(new nn.Linear(5, 8), new nn.Tanh(), new nn.LayerNorm(8), new nn.Linear(8, 3));
  const sd = model.stateDict();
  assert.equal(Object.keys(sd), m.keys);
  for (const k of m.keys) {
    assert.equal(sd[k].shape, m.shapes[k], `${k} shape`);
    assert.equal(Array.from(sd[k].toArray()), m.state[k], `${k} values`);
  }
  close(model.forward(t(m.x, [4, 5])).toArray(), m.y, 2e-6, 'model output');
});

test('nn activations: ReLU, GELU (both forms), Sigmoid, Tanh apply their F op; GELU checks its option', () => {
  const x = tensor([-3, -0.5, 0, 0.7, 4]);
  const same = (m: nn.Module, y: Tensor) => assert.equal(Array.from(m.forward(x).toArray()), Array.from(y.toArray()));
  same(new nn.ReLU(), F.relu(x));
  same(new nn.GELU(), F.gelu(x));
  same(new nn.GELU({ approximate: 'tanh' }), F.gelu(x, { approximate: 'tanh' }));
  same(new nn.Sigmoid(), x.sigmoid());
  same(new nn.Tanh(), x.tanh());
  same(new nn.Identity(), x);
  assert.throws(() => new nn.GELU({ approximate: 'fast' as never }), /GELU: approximate must be 'none' or 'tanh', got "fast"/);
});

test.run();
