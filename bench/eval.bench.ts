// Evaluation speed: the loss over the whole training split (182,625 rows), wasmgrad's
// MLP.splitLoss against the notebook's one-shot split_loss('train') in PyTorch (bench/peers/torch_eval.py).
// Usage: node --import tsx bench/eval.bench.ts [runs=7] [names.txt] ; WASMGRAD_BUILD picks the build.
//
// Both sides build the notebook's batch-norm MLP from seed 42 (In[28]) and set its running
// statistics to In[31]'s whole-training-split mean and std (at init they are zeros, a division by
// zero), so both evaluate the same model. Runs alternate, wasmgrad then each PyTorch setting, so
// all see the same machine load; each PyTorch run is a child process (data loading, the untimed
// first call and process start are left out of its time). The table shows medians.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { init, Generator, noGrad } from '../src/index.ts';
import { makeSplits } from '../src/makemore/data.ts';
import { datasetTensors } from '../src/makemore/session.ts';
import { MLP } from '../src/makemore/model.ts';
import { namesPath } from '../tests/helpers/names.ts';

const runs = Number(process.argv[2] ?? 7);
const path = process.argv[3] ?? namesPath();
if (!path) throw new Error('needs names.txt: pass its path, or put it in the current directory');
const PY = '/usr/bin/python3';
const TORCH_EVAL = fileURLToPath(new URL('./peers/torch_eval.py', import.meta.url));
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

// wasmgrad: the default build, in this process.
const info = await init();
const s = makeSplits(readFileSync(path, 'utf8'), { blockSize: 3, seed: 42 });
const { X, Y } = datasetTensors(s.train, 3);
const m = new MLP({ vocabSize: 27, blockSize: 3, nEmbed: 10, nHidden: 200, batchnorm: true }, new Generator().manualSeed(42));
const stats = m.calibrate(X);
noGrad(() => { m.bnmeanRunning!.copy_(stats.mean); m.bnstdRunning!.copy_(stats.std); });
m.splitLoss(X, Y); // untimed first call, as on the PyTorch side

// PyTorch, when present: its default thread count and 1 thread (and every core, when the default is 1).
let torchVersion: string | null = null, torchDefault = 0;
try {
  [torchVersion, torchDefault] = execFileSync(PY, ['-c', 'import torch; print(torch.__version__, torch.get_num_threads())'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(' ').map((x, i) => (i ? Number(x) : x)) as [string, number];
} catch { /* no torch: wasmgrad only */ }
const cores = os.availableParallelism?.() ?? os.cpus().length;
const threadCounts = torchVersion ? [...new Set([torchDefault, 1, ...(torchDefault === 1 ? [cores] : [])])] : [];

interface Row { name: string; runs: number[]; loss: number }
const rows: Row[] = [{ name: `**wasmgrad ${info.build}** (default build)`, runs: [], loss: NaN }];
for (const t of threadCounts) {
  const what = t === torchDefault ? `default, ${t} thread${t > 1 ? 's' : ''}` : `${t} thread${t > 1 ? 's' : ''}`;
  rows.push({ name: `PyTorch ${torchVersion} (${what})`, runs: [], loss: NaN });
}

for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  rows[0].loss = m.splitLoss(X, Y);
  rows[0].runs.push(performance.now() - t0);
  threadCounts.forEach((t, i) => {
    const out = JSON.parse(execFileSync(PY, [TORCH_EVAL, path, '1', String(t)], { encoding: 'utf8' }).trim().split('\n').at(-1)!);
    rows[i + 1].runs.push(out.msPerEval);
    rows[i + 1].loss = out.loss;
  });
  console.error(`run ${r + 1}/${runs}: ` + rows.map((x) => x.runs.at(-1)!.toFixed(0)).join(' / ') + ' ms');
}

let cpu = os.cpus()[0]?.model ?? 'unknown CPU';
try { cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu; } catch { /* not Linux */ }
const base = median(rows[0].runs);
console.log(`machine: ${cpu}, ${cores} cores, ${os.type()} ${os.release()}; node ${process.versions.node}, ` +
  `${torchVersion ? `torch ${torchVersion}` : 'no torch'}; ${new Date().toISOString().slice(0, 10)}\n`);
console.log(`loss over the whole training split (${s.train.n.toLocaleString('en-US')} rows), ${runs} run${runs === 1 ? '' : 's'} each, alternating\n`);
console.log('| system | ms per full-train-split eval (median) | runs (ms) | loss | time ÷ wasmgrad |');
console.log('|---|--:|---|--:|--:|');
for (const x of rows) {
  const mid = median(x.runs);
  console.log(`| ${x.name} | ${mid.toFixed(1)} | ${x.runs.map((t) => t.toFixed(0)).join(', ')} | ${x.loss.toFixed(7)} | ${(mid / base).toFixed(2)}× |`);
}
if (rows.length > 1) {
  const diff = Math.max(...rows.slice(1).map((x) => Math.abs(x.loss - rows[0].loss)));
  console.log(`\n- Same model on both sides: wasmgrad's MLP reproduces PyTorch's init from the same seed ` +
    `(torch.Generator().manual_seed(42), In[28]); the losses differ by ${diff.toExponential(1)}.`);
  console.log('- wasmgrad evaluates in chunks of 2048 rows (MLP.splitLoss); PyTorch in one shot over all rows, as the ' +
    'notebook writes it, including its repeated `h = torch.tanh(h_pre_act)` line.');
} else {
  console.log(`\n- PyTorch not found (${PY} -c 'import torch' failed): wasmgrad only.`);
}
