// What the page's diagnostics panel costs training: the notebook's run through Session, once as
// the page's worker runs it (Diagnostics.after every 250 steps: update:data ratios each time,
// histograms within their time budget) and once without, alternating, in one process. Each
// run's time is Session.seconds (the training loop, which includes the onProgress calls). On a
// loaded machine the two medians differ by more than the cost itself, so the bench also times the
// diagnostics' own calls inside each run with them: their share of that run's training time.
// Usage: node --import tsx bench/diagnostics.bench.ts [steps=20000] [runs=3] [names.txt]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { init } from '../src/index.ts';
import { Session, NOTEBOOK } from '../src/makemore/session.ts';
import { Diagnostics } from '../src/makemore/diagnostics.ts';
import { lrAt } from '../src/makemore/train.ts';
import { namesPath } from '../tests/helpers/names.ts';

const steps = Number(process.argv[2] ?? 20000);
const runs = Number(process.argv[3] ?? 3);
const path = process.argv[4] ?? namesPath();
if (!path) throw new Error('needs names.txt: pass its path, or put it in the current directory');
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

const info = await init();
const text = readFileSync(path, 'utf8');
const times: Record<'off' | 'on', number[]> = { off: [], on: [] };
let snapshots = 0, histograms = 0;
const shares: number[] = [];
for (let r = 0; r < runs; r++) {
  for (const mode of ['off', 'on'] as const) {
    const s = new Session(text, { ...NOTEBOOK, steps });
    const d = mode === 'on' ? new Diagnostics(s.model, s.tensors.train.X, { seed: s.config.seed }) : null;
    let inside = 0;
    await s.run({
      progressEvery: 250,
      onProgress: (step) => {
        if (!d) return;
        const t0 = performance.now();
        const snap = d.after(step, lrAt(s.schedule, step - 1), step === steps);
        inside += performance.now() - t0;
        if (r === 0) { snapshots++; if (snap.activations) histograms++; }
      },
    });
    times[mode].push(s.seconds);
    if (d) shares.push(inside / (s.seconds * 1000 - inside));
  }
}
const off = median(times.off), on = median(times.on);
console.log(`diagnostics overhead: ${steps} steps of the notebook's run, ${runs} alternating runs each, build ${info.build}, node ${process.versions.node}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, load ${os.loadavg()[0].toFixed(1)}`);
console.log(`  without: ${off.toFixed(3)} s (median of ${times.off.map((t) => t.toFixed(3)).join(', ')})`);
console.log(`  with:    ${on.toFixed(3)} s (median of ${times.on.map((t) => t.toFixed(3)).join(', ')}); ${snapshots} snapshots per run, ${histograms} with histograms`);
console.log(`  medians: training speed with the diagnostics is ${((100 * off) / on).toFixed(1)}% of without`);
console.log(`  time inside the diagnostics' calls, per run with them: ${shares.map((x) => `${(100 * x).toFixed(1)}%`).join(', ')} of the steps' own time (median ${(100 * median(shares)).toFixed(1)}%)`);
