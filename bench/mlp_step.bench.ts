// The fused training step (NotebookMLPStep) against the eager one on the real data, then where
// the fused step's time goes: each kernel of the step re-run alone on the step's own buffers.
// Usage: node --import tsx bench/mlp_step.bench.ts [steps=5000] ; WASMGRAD_BUILD picks the build.
import { init, Generator, randint, optim, NotebookMLPStep } from '../src/index.ts';
import { S } from '../src/fused/mlp_step.ts';
import { kernels } from '../src/wasm/load.ts';
import { i32, f32, alloc } from '../src/wasm/heap.ts';
import { makeSplits } from '../src/makemore/data.ts';
import { datasetTensors } from '../src/makemore/session.ts';
import { MLP } from '../src/makemore/model.ts';
import { namesText } from '../tests/helpers/names.ts';

const info = await init();
const steps = Number(process.argv[2] ?? 5000);
const text = namesText();
if (!text) throw new Error('needs names.txt');
const s = makeSplits(text, { blockSize: 3, seed: 42 });
const { X, Y } = datasetTensors(s.train, 3);
const config = { vocabSize: 27, blockSize: 3, nEmbed: 10, nHidden: 200, batchnorm: true };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Steps are timed in chunks, fused and eager alternating, so both see the same machine load;
// the minimum chunk is the figure least disturbed by other processes, the median the typical one.
function makeFused(): () => void {
  const g = new Generator().manualSeed(42);
  const m = new MLP(config, g);
  const st = new NotebookMLPStep({ ...m, bngain: m.bngain!, bnbias: m.bnbias!, bnmeanRunning: m.bnmeanRunning!, bnstdRunning: m.bnstdRunning! }, X, Y, { batchSize: 32 });
  return () => { st.step(g, 0.1); };
}

function makeEager(): () => void {
  const g = new Generator().manualSeed(42);
  const m = new MLP(config, g);
  const sgd = new optim.SGD(m.parameters(), { lr: 0.1, fma: false }); // the notebook's update, as the fused step's
  return () => {
    const ix = randint(0, s.train.n, [32], { generator: g });
    const loss = m.loss(X.index(ix), Y.index(ix));
    sgd.zeroGrad(); loss.backward(); sgd.step(); loss.item();
  };
}

const chunk = 200, chunks = Math.max(3, Math.round(steps / chunk));
const timeChunk = (fn: () => void) => { const t0 = performance.now(); for (let i = 0; i < chunk; i++) fn(); return ((performance.now() - t0) * 1000) / chunk; };
const runners = { fused: makeFused(), eager: makeEager() };
for (const fn of Object.values(runners)) for (let i = 0; i < 300; i++) fn();
const times: Record<string, number[]> = { fused: [], eager: [] };
for (let c = 0; c < chunks; c++) for (const [name, fn] of Object.entries(runners)) times[name].push(timeChunk(fn));
console.log(`build ${info.build}, node ${process.versions.node}, ${chunks} chunks of ${chunk} steps each`);
for (const [name, t] of Object.entries(times)) console.log(`${name.padEnd(6)} median ${median(t).toFixed(1)} µs/step, min ${Math.min(...t).toFixed(1)}`);

// Per kernel: the step's calls with its own buffers (read from the plan), each timed alone
// (minimum over 25 runs of 200 calls: in cache, undisturbed; their sum is a floor for the step).
const g = new Generator().manualSeed(42);
const m = new MLP(config, g);
const st = new NotebookMLPStep({ ...m, bngain: m.bngain!, bnbias: m.bnbias!, bnmeanRunning: m.bnmeanRunning!, bnstdRunning: m.bnstdRunning! }, X, Y, { batchSize: 32 });
for (let i = 0; i < 100; i++) st.step(g, 0.1);
const k = kernels();
const plan = (st as unknown as { plan: number }).plan >>> 2; // the step's buffers, by slot
const P = (slot: number) => i32()[plan + slot];
const [B, BS, E, H, V] = [P(S.NB), P(S.NBS), P(S.NE), P(S.NH), P(S.NV)], K = BS * E;
const keep = f32()[plan + S.KEEP], mom = f32()[plan + S.MOM];
const dhSaved = alloc(B * H * 4);
k.copy(dhSaved, P(S.DH), B * H);
const calls: [string, () => void][] = [
  ['gather Xb,Yb', () => { k.embedding_forward(P(S.XB), P(S.X), P(S.IX), B, BS); k.embedding_forward(P(S.YB), P(S.Y), P(S.IX), B, 1); }],
  ['embedding_forward', () => k.embedding_forward(P(S.EMB), P(S.C), P(S.XB), B * BS, E)],
  // (the step adds b1 and b2 as it stores these two products: timed here without the biases)
  [`matmul_nn (${B}x${K})@(${K}x${H})`, () => k.matmul_nn(P(S.HPRE), P(S.EMB), P(S.W1), B, K, H, 0)],
  ['bn_notebook_forward', () => k.bn_notebook_forward(P(S.HBN), P(S.MEAN), P(S.STD), P(S.HPRE), P(S.GAIN), P(S.BIAS), B, H)],
  ['ema_update x2', () => { k.ema_update(P(S.RMEAN), P(S.MEAN), keep, mom, H); k.ema_update(P(S.RSTD), P(S.STD), keep, mom, H); }],
  ['tanh_forward', () => k.tanh_forward(P(S.HT), P(S.HBN), B * H)],
  [`matmul_nn (${B}x${H})@(${H}x${V})`, () => k.matmul_nn(P(S.LOGITS), P(S.HT), P(S.W2), B, H, V, 0)],
  ['crossentropy_forward', () => k.crossentropy_forward(P(S.PROBS), P(S.LOGITS), P(S.YB), B, V)],
  ['zero dlogits, dC', () => { k.fill(P(S.DLOGITS), 0, B * V); k.fill(P(S.DC), 0, V * E); }],
  ['crossentropy_backward', () => k.crossentropy_backward(P(S.DLOGITS), P(S.PROBS), P(S.YB), 1, B, V)],
  ['sum_dim0 db2', () => k.sum_dim0(P(S.DB2), P(S.DLOGITS), B, V, 0)],
  [`matmul_nt dh (${B}x${V})@(${H}x${V})T`, () => k.matmul_nt(P(S.DH), P(S.DLOGITS), P(S.W2), B, V, H, 0)],
  [`matmul_tn dW2 (${B}x${H})T@(${B}x${V})`, () => k.matmul_tn(P(S.DW2), P(S.HT), P(S.DLOGITS), H, B, V, 0)],
  // (it turns dh into dy in place: each call starts from the step's dh again, and the copy's
  // time is taken off below)
  ['tanh_bn_notebook_backward (+db1)', () => {
    k.copy(P(S.DH), dhSaved, B * H);
    k.tanh_bn_notebook_backward(P(S.DHPRE), P(S.DGAIN), P(S.DBIAS), P(S.DB1), P(S.DH), P(S.HT), P(S.HPRE), P(S.GAIN), P(S.MEAN), P(S.STD), B, H);
  }],
  [`matmul_nt demb (${B}x${H})@(${K}x${H})T`, () => k.matmul_nt(P(S.DEMBV), P(S.DHPRE), P(S.W1), B, H, K, 0)],
  [`matmul_tn dW1 (${B}x${K})T@(${B}x${H})`, () => k.matmul_tn(P(S.DW1), P(S.EMB), P(S.DHPRE), K, B, H, 0)],
  ['embedding_backward', () => k.embedding_backward(P(S.DC), P(S.DEMBV), P(S.XB), B * BS, E)],
  ['sgd_update (lr 0)', () => k.sgd_update(P(S.PARAMS), P(S.GRADS), 0, P(S.COUNT))],
];
const reps = 200;
/** Microseconds per call: the least disturbed of 25 runs of 200 calls. */
const timeMin = (fn: () => void) => {
  const runs: number[] = [];
  for (let r = 0; r < 25; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    runs.push(((performance.now() - t0) * 1000) / reps);
  }
  return Math.min(...runs);
};
const copyUs = timeMin(() => k.copy(P(S.DH), dhSaved, B * H));
let total = 0;
const rows: [string, number][] = [];
for (const [name, fn] of calls) {
  const us = timeMin(fn) - (name.startsWith('tanh_bn') ? copyUs : 0);
  total += us;
  rows.push([name, us]);
}
for (const [name, us] of rows) console.log(`${name.padEnd(36)} ${us.toFixed(2).padStart(7)} µs  ${((100 * us) / total).toFixed(1).padStart(5)}%`);
console.log(`${'sum of kernels'.padEnd(36)} ${total.toFixed(2).padStart(7)} µs`);
