// A model of your own: an MLP (ReLU) classifying three interleaved spirals of 2-D points,
// trained with AdamW and a cosine learning-rate schedule, its step compiled into one wasm call.
// No data to download: the spirals are made here from a seeded generator.
// Run: node --import tsx examples/mlp_classifier.ts [steps] [--json]
import { init, manualSeed, Generator, tensor, randint, nn, optim, F, compile, noGrad, type Tensor } from '../src/index.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const steps = Number(args.find((a) => !a.startsWith('--')) ?? 2000);
if (!Number.isSafeInteger(steps) || steps < 1) {
  console.error('usage: node --import tsx examples/mlp_classifier.ts [steps] [--json]; steps must be a whole number >= 1');
  process.exit(2);
}

/** n points per class on K spiral arms with Gaussian noise (CS231n's toy data): x (n·K, 2), y (n·K). */
function spirals(n: number, K: number, g: Generator): [Tensor, Tensor] {
  const noise = g.fillRandn(new Float32Array(n * K), 0, 0.2);
  const x = new Float32Array(n * K * 2), y = new Int32Array(n * K);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < n; i++) {
      const j = k * n + i, r = i / (n - 1), t = k * 4 + (i / (n - 1)) * 4 + noise[j];
      x[2 * j] = r * Math.sin(t);
      x[2 * j + 1] = r * Math.cos(t);
      y[j] = k;
    }
  }
  return [tensor(x, { shape: [n * K, 2] }), tensor(y, { dtype: 'int32' })];
}

class MLP extends nn.Module {
  fc1 = new nn.Linear(2, 64);
  fc2 = new nn.Linear(64, 64);
  out = new nn.Linear(64, 3);
  forward(x: Tensor): Tensor {
    return this.out.forward(this.fc2.forward(this.fc1.forward(x).relu()).relu());
  }
}

const info = await init();
const g = new Generator().manualSeed(1);
const [Xtr, Ytr] = spirals(300, 3, g), [Xva, Yva] = spirals(100, 3, g);
manualSeed(0); // nn.Linear draws PyTorch's init (kaiming-uniform) from the default generator
const model = new MLP();
const opt = new optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 1e-4 });
const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: steps });

// One training step; compile() records it once and replays it as one wasm call, bit-identical
// to running it eagerly, with the schedule's learning rate read at every call.
const step = compile((x: Tensor, y: Tensor) => {
  const loss = F.crossEntropy(model.forward(x), y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  sched.step();
  return loss;
});

/** The fraction of rows whose largest logit is at the label. */
function accuracy(X: Tensor, Y: Tensor): number {
  const logits = noGrad(() => model.forward(X)).toArray(), labels = Y.toArray();
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = logits.subarray(3 * i, 3 * i + 3);
    if (row.indexOf(Math.max(...row)) === labels[i]) right++;
  }
  return right / labels.length;
}

const every = Math.max(1, Math.round(steps / 10));
const log: [number, number][] = [];
if (!json) console.log(`wasmgrad ${info.build}: ${model.parameters().reduce((n, p) => n + p.numel(), 0)} parameters, ${steps} steps of AdamW with a cosine schedule`);
for (let i = 0; i < steps; i++) {
  const ix = randint(0, Xtr.shape[0], [64], { generator: g });
  const loss = step(Xtr.index(ix), Ytr.index(ix)).item();
  if (i % every === 0 || i === steps - 1) {
    log.push([i, loss]);
    if (!json) console.log(`${String(i).padStart(6)}/${steps}  loss ${loss.toFixed(4)}  lr ${opt.lr.toExponential(2)}`);
  }
}
model.eval();
const result = { log, train: accuracy(Xtr, Ytr), val: accuracy(Xva, Yva) };
if (json) console.log(JSON.stringify(result));
else console.log(`accuracy: train ${(100 * result.train).toFixed(1)}%  val ${(100 * result.val).toFixed(1)}%`);
