// Memory: a training loop written as in PyTorch settles after its first steps (no wasm growth,
// the same bytes in use at the same point of every step), and reclaimed tensors throw instead of
// reading stale data.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, Generator, randn, randint, ones, zeros, noGrad, F, memoryStats, type Tensor } from '../../src/index.ts';

await init();

function notebookSetup(seed: number) {
  const g = new Generator().manualSeed(seed);
  // Made after other tests trained: factory data moves to persistent memory on its first later use.
  const Xtr = randint(0, 27, [2000, 3], { generator: g }), Ytr = randint(0, 27, [2000], { generator: g });
  const C = randn([27, 10], { generator: g }), W1 = randn([30, 200], { generator: g }).mul(0.3);
  const b1 = randn([200], { generator: g }).mul(0.01), W2 = randn([200, 27], { generator: g }).mul(0.01), b2 = zeros([27]);
  const bngain = ones([1, 200]), bnbias = zeros([1, 200]);
  const params = [C, W1, b1, W2, b2, bngain, bnbias];
  for (const p of params) p.requiresGrad = true;
  return { g, Xtr, Ytr, C, W1, b1, W2, b2, bngain, bnbias, params };
}

test('memory: 10,000 notebook steps keep wasm memory and the bytes in use as after step 20', () => {
  const m = notebookSetup(1);
  let bnmeanRunning: Tensor = zeros([1, 200]), bnstdRunning: Tensor = zeros([1, 200]);
  let after2 = memoryStats();
  let lastLoss = 0;
  for (let i = 0; i < 10000; i++) {
    const ix = randint(0, m.Xtr.shape[0], [32], { generator: m.g });
    const Xb = m.Xtr.index(ix), Yb = m.Ytr.index(ix);
    const emb = m.C.index(Xb);
    let hpre = emb.view(emb.shape[0], -1).matmul(m.W1).add(m.b1);
    const bnmeani = hpre.mean(0, true), bnstdi = hpre.std(0, true);
    hpre = m.bngain.mul(hpre.sub(bnmeani)).div(bnstdi).add(m.bnbias);
    [bnmeanRunning, bnstdRunning] = noGrad(() => [bnmeanRunning.mul(0.999).add(bnmeani.mul(0.001)), bnstdRunning.mul(0.999).add(bnstdi.mul(0.001))]);
    const loss = F.crossEntropy(hpre.tanh().matmul(m.W2).add(m.b2), Yb);
    for (const p of m.params) p.grad = null;
    loss.backward();
    const lr = i < 5000 ? 0.1 : 0.01;
    noGrad(() => { for (const p of m.params) p.add_(p.grad!.mul(-lr)); });
    lastLoss = loss.item(); // valid after the update, as in the notebook
    if (i === 20) after2 = memoryStats(); // after the first steps (and earlier tests' graphs) settle
  }
  const end = memoryStats();
  assert.is(end.wasmBytes, after2.wasmBytes, 'wasm memory size');
  assert.is(end.allocatedBytes, after2.allocatedBytes, 'bytes allocated at the end of a step');
  assert.is(end.temporaryBytes, after2.temporaryBytes, 'bytes held by temporaries');
  assert.is(end.temporaryHighWater, after2.temporaryHighWater, 'temporaries high-water mark');
  assert.ok(Number.isFinite(lastLoss) && lastLoss < 3.3, `training ran (last loss ${lastLoss})`);
  assert.ok(bnstdRunning.toArray()[0] > 0, 'running statistics carried across steps');
});

test('memory: a tensor left unused for two backward() calls throws a clear error', () => {
  const m = notebookSetup(2);
  const step = () => {
    const ix = randint(0, 2000, [8], { generator: m.g });
    const loss = F.crossEntropy(m.C.index(m.Xtr.index(ix)).view(8, -1).matmul(m.W1).tanh().matmul(m.W2), m.Ytr.index(ix));
    loss.backward();
    return loss;
  };
  step();
  const old = step();
  assert.ok(Number.isFinite(old.item()), 'valid after its own backward (the notebook reads loss.item() after the update)');
  step();
  assert.ok(Number.isFinite(old.item()), 'still valid: it was used during the last step');
  step(); step();
  assert.throws(() => old.item(), /reclaimed.*\.keep\(\)/);
  const kept = step().keep();
  step(); step(); step();
  assert.ok(Number.isFinite(kept.item()), 'keep() makes it outlive the steps');
});

test('memory: noGrad reclaims its temporaries but returns what the callback returns', () => {
  const a = randn([4, 4], { generator: new Generator().manualSeed(3) });
  let leaked: Tensor | null = null;
  const back = noGrad(() => { leaked = a.mul(2); return { x: a.add(1), list: [a.tanh()] }; });
  assert.ok(Math.abs(back.x.toArray()[0] - (a.toArray()[0] + 1)) < 1e-6, 'returned tensor survives');
  assert.ok(Math.abs(back.list[0].toArray()[1] - Math.tanh(a.toArray()[1])) < 1e-6, 'returned arrays of tensors survive');
  assert.throws(() => (leaked as unknown as Tensor).toArray(), /made inside noGrad\(\) and reclaimed/);
});

test.run();
