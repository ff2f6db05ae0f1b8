// The notebook's MLP, one forward/backward on its first minibatch, written with the raw
// tensor API as the notebook writes it, against PyTorch 1.13 (tests/fixtures/mlp_step.json,
// made by tools/fixtures/makemore.py).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, Generator, randn, randint, ones, zeros, tensor, noGrad, F, type Tensor } from '../../src/index.ts';

await init();
const fx = JSON.parse(readFileSync(new URL('../fixtures/mlp_step.json', import.meta.url), 'utf8'));

function notebookParams(batchnorm: boolean) {
  const g = new Generator().manualSeed(42);
  const p = noGrad(() => ({
    C: randn([27, 10], { generator: g }),
    W1: randn([30, 200], { generator: g }).mul(5 / 3).div(30 ** 0.5),
    b1: randn([200], { generator: g }).mul(0.01),
    W2: randn([200, 27], { generator: g }).mul(0.01),
    b2: randn([27], { generator: g }).mul(0),
  }));
  const all: Record<string, Tensor> = { ...p };
  if (batchnorm) { all.bngain = ones([1, 200]); all.bnbias = zeros([1, 200]); }
  for (const t of Object.values(all)) t.requiresGrad = true;
  return { params: all, g };
}

/**
 * max |a - b| over the largest |b| ("within 1e-4 of its largest entry"). With batch norm, b1's
 * true gradient is zero and PyTorch's is float32 noise (~1e-10), so the scale has a floor of
 * 1e-3: that still asks for agreement to 1e-7 absolute.
 */
function relErr(a: ArrayLike<number>, b: number[]): number {
  let d = 0, m = 1e-3;
  for (let i = 0; i < b.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return d / m;
}

export const errors: Record<string, number> = {};

test('mlp: batch-norm forward/backward matches PyTorch (raw tensor ops, as the notebook)', () => {
  const ref = fx.batchnorm;
  const { params: P, g } = notebookParams(true);
  // The first minibatch comes from the same generator, right after the init.
  const ix = randint(0, 182625, [32], { generator: g });
  assert.equal(Array.from(ix.toArray()), ref.ix, 'minibatch indices from randint');
  const Xb = tensor(ref.Xb, { dtype: 'int32' }), Yb = tensor(ref.Yb, { dtype: 'int32' });
  const emb = P.C.index(Xb);
  const embcat = emb.view(emb.shape[0], -1);
  let hpre = embcat.matmul(P.W1).add(P.b1);
  const bnmeani = hpre.mean(0, true), bnstdi = hpre.std(0, true);
  hpre = P.bngain.mul(hpre.sub(bnmeani)).div(bnstdi).add(P.bnbias);
  const h = hpre.tanh();
  const logits = h.matmul(P.W2).add(P.b2);
  const loss = F.crossEntropy(logits, Yb);
  assert.ok(Math.abs(loss.item() - ref.loss) <= 1e-6, `loss ${loss.item()} vs torch ${ref.loss}`);
  loss.backward();
  for (const [name, t] of Object.entries(P)) {
    const e = relErr(t.grad!.toArray(), ref.grads[name]);
    errors[`bn/${name}`] = e;
    assert.ok(e <= 1e-4, `grad ${name}: max error ${e} of its largest entry`);
  }
});

test('mlp: the fused F.batchNorm gives the same loss and gradients as the composite', () => {
  const ref = fx.batchnorm;
  const { params: P } = notebookParams(true);
  const Xb = tensor(ref.Xb, { dtype: 'int32' }), Yb = tensor(ref.Yb, { dtype: 'int32' });
  const runMean = zeros([1, 200]), runStd = zeros([1, 200]);
  const hpre = P.C.index(Xb).view(32, -1).matmul(P.W1).add(P.b1);
  const hbn = F.batchNorm(hpre, P.bngain, P.bnbias, { flavour: 'notebook', training: true, runningMean: runMean, runningStd: runStd });
  const loss = F.crossEntropy(hbn.tanh().matmul(P.W2).add(P.b2), Yb);
  assert.ok(Math.abs(loss.item() - ref.loss) <= 1e-6, `loss ${loss.item()} vs torch ${ref.loss}`);
  loss.backward();
  for (const [name, t] of Object.entries(P)) {
    const e = relErr(t.grad!.toArray(), ref.grads[name]);
    errors[`fused/${name}`] = e;
    assert.ok(e <= 1e-4, `grad ${name}: max error ${e} of its largest entry`);
  }
  assert.ok(relErr(runMean.toArray(), ref.bnmean_running) <= 1e-5, 'running mean after one step');
  assert.ok(relErr(runStd.toArray(), ref.bnstd_running) <= 1e-5, 'running std after one step');
});

test('mlp: plain (no batch norm) forward/backward matches PyTorch', () => {
  const ref = fx.plain;
  const { params: P } = notebookParams(false);
  const Xb = tensor(ref.Xb, { dtype: 'int32' }), Yb = tensor(ref.Yb, { dtype: 'int32' });
  const h = P.C.index(Xb).view(32, -1).matmul(P.W1).add(P.b1).tanh();
  const loss = F.crossEntropy(h.matmul(P.W2).add(P.b2), Yb);
  assert.ok(Math.abs(loss.item() - ref.loss) <= 1e-6, `loss ${loss.item()} vs torch ${ref.loss}`);
  loss.backward();
  for (const [name, t] of Object.entries(P)) {
    const e = relErr(t.grad!.toArray(), ref.grads[name]);
    errors[`plain/${name}`] = e;
    assert.ok(e <= 1e-4, `grad ${name}: max error ${e} of its largest entry`);
  }
});

test.after(() => {
  if (process.env.SHOW_ERRORS) console.log(JSON.stringify(errors, null, 1));
});

test.run();
