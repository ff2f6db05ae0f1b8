// The notebook's batch-norm training loop in TensorFlow.js 4.22 on its wasm backend: a peer for
// `npm run bench:e2e`. Same model, init scales, batch, learning rates and steps as wasmgrad.
// NOTE: the wasm backend has no gradient for gather (it lacks UnsortedSegmentSum), so C[Xb] is a
// one-hot (B·BS, V) @ C (V, E) matmul here. Leaves out: the data pipeline (it reads the train
// split the runner wrote) and PyTorch's random streams (tf's own seeded ones, so not the same numbers).
//
//   node bench/peers/tfjs_loop.mjs train.bin 20000  -> {"usPerStep", "loss", "steps", "maxRSS", ...}
//
// train.bin: int32 n, int32 block_size, X (n·block_size int32), Y (n int32). The packages are
// resolved from this repo's node_modules, or from the folder in WASMGRAD_PEERS_DIR.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const require = createRequire(process.env.WASMGRAD_PEERS_DIR ? join(process.env.WASMGRAD_PEERS_DIR, 'x.js') : import.meta.url);
const tf = require('@tensorflow/tfjs-core');
const wasm = require('@tensorflow/tfjs-backend-wasm');

// NOTE: tfjs-core's Node bundle registers no gradients (the @tensorflow/tfjs union package does,
// with 250 MB of other packages). Its ESM gradient files, bundled here, register into the same
// global registry. This happens before the timed loop.
const gradients = esbuild.buildSync({
  entryPoints: [require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients')],
  bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'error',
});
const tmp = mkdtempSync(join(tmpdir(), 'wasmgrad-tfjs-'));
writeFileSync(join(tmp, 'gradients.mjs'), gradients.outputFiles[0].contents);
await import(pathToFileURL(join(tmp, 'gradients.mjs')).href);
rmSync(tmp, { recursive: true });

const [file, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg ?? 20000);
const raw = readFileSync(file);
const ints = new Int32Array(raw.buffer, raw.byteOffset, raw.byteLength >> 2);
const [n, BS] = ints;
const X = ints.subarray(2, 2 + n * BS), Y = ints.subarray(2 + n * BS, 2 + n * BS + n);

wasm.setThreadsCount?.(1);
await tf.setBackend('wasm');
await tf.ready();

const B = 32, E = 10, K = BS * E, H = 200, V = 27;
const seed = 42;
const C = tf.variable(tf.randomNormal([V, E], 0, 1, 'float32', seed), true, 'C');
const W1 = tf.variable(tf.mul(tf.randomNormal([K, H], 0, 1, 'float32', seed + 1), (5 / 3) / Math.sqrt(K)), true, 'W1');
const b1 = tf.variable(tf.mul(tf.randomNormal([H], 0, 1, 'float32', seed + 2), 0.01), true, 'b1');
const W2 = tf.variable(tf.mul(tf.randomNormal([H, V], 0, 1, 'float32', seed + 3), 0.01), true, 'W2');
const b2 = tf.variable(tf.zeros([V]), true, 'b2');
const bngain = tf.variable(tf.ones([1, H]), true, 'bngain');
const bnbias = tf.variable(tf.zeros([1, H]), true, 'bnbias');
const bnmeanRunning = tf.variable(tf.zeros([1, H]), false, 'bnmean_running');
const bnstdRunning = tf.variable(tf.zeros([1, H]), false, 'bnstd_running');
const parameters = [C, W1, b1, W2, b2, bngain, bnbias];
const opt = tf.train.sgd(0.1);

// Minibatch indices from a small seeded generator (xorshift32), gathered in JS.
let state = 42;
const nextInt = (m) => { state ^= state << 13; state ^= state >>> 17; state ^= state << 5; return (state >>> 0) % m; };
const xb = new Int32Array(B * BS), yb = new Int32Array(B);

const tail = Math.min(steps, 1000);
let tailSum = 0;
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  for (let b = 0; b < B; b++) {
    const r = nextInt(n);
    for (let t = 0; t < BS; t++) xb[b * BS + t] = X[r * BS + t];
    yb[b] = Y[r];
  }
  opt.setLearningRate(i < steps / 2 ? 0.1 : 0.01);
  const loss = tf.tidy(() => {
    // NOTE: the wasm backend's OneHot writes int32 bits into a float32 output; cast instead.
    const onehot = tf.cast(tf.oneHot(tf.tensor1d(xb, 'int32'), V), 'float32');
    const target = tf.cast(tf.oneHot(tf.tensor1d(yb, 'int32'), V), 'float32');
    let bnmeani, bnstdi;
    const { value, grads } = tf.variableGrads(() => {
      const emb = tf.reshape(tf.matMul(onehot, C), [B, K]);
      const hpre = tf.add(tf.matMul(emb, W1), b1);
      // NOTE: the notebook's batch norm: unbiased batch std, no eps.
      bnmeani = tf.keep(tf.mean(hpre, 0, true));
      const centred = tf.sub(hpre, bnmeani);
      bnstdi = tf.keep(tf.sqrt(tf.div(tf.sum(tf.square(centred), 0, true), B - 1)));
      const h = tf.tanh(tf.add(tf.div(tf.mul(bngain, centred), bnstdi), bnbias));
      return tf.losses.softmaxCrossEntropy(target, tf.add(tf.matMul(h, W2), b2));
    }, parameters);
    opt.applyGradients(grads);
    bnmeanRunning.assign(tf.add(tf.mul(bnmeanRunning, 0.999), tf.mul(bnmeani, 0.001)));
    bnstdRunning.assign(tf.add(tf.mul(bnstdRunning, 0.999), tf.mul(bnstdi, 0.001)));
    bnmeani.dispose(); bnstdi.dispose();
    return value;
  });
  const l = loss.dataSync()[0];
  loss.dispose();
  if (i >= steps - tail) tailSum += l;
}
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({
  usPerStep: (seconds * 1e6) / steps, loss: tailSum / tail, steps, maxRSS: process.resourceUsage().maxRSS,
  tfjs: tf.version_core, backend: tf.getBackend(), simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
  threads: wasm.getThreadsCount?.() ?? 1,
}));
