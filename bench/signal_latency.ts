// How long `wasmgrad makemore` (makemore.py's defaults: the 4-layer Transformer) takes to stop
// after SIGTERM at a random moment: from the signal to the process's exit, with the run saved.
// The goal is under 1 s plus one step (the step under way; an evaluation or a sampling under way
// is finished first). Prints each moment and the distribution; record it in bench/RESULTS.md.
//   npm run bench:signals -- [--runs 30] [--seed 1]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, seed: { type: 'string', default: '1' } } });
const runs = Number(values.runs);
let seed = Number(values.seed);
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const names = join(root, 'names.txt');
if (!existsSync(names) || !existsSync(join(root, 'dist/cli.js'))) {
  console.error('signal_latency: needs ./names.txt (makemore\'s names) and the built command (npm run build)');
  process.exit(2);
}

const rows: { afterMs: number; stepMs: number; latencyMs: number; step: number; code: number | null }[] = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-siglat-'));
  const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'makemore', '-i', names, '-o', join(dir, 'out'), '--max-steps', '100000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // A random moment after training began: 0 to 20 s past step 0 (evaluations at 500 included).
  while (!/^step 0 \|/m.test(out)) await new Promise((r) => setTimeout(r, 5));
  const afterMs = 20_000 * rand();
  await new Promise((r) => setTimeout(r, afterMs));
  const t0 = performance.now();
  child.kill('SIGTERM');
  const code = await exited;
  const latencyMs = performance.now() - t0;
  const times = [...out.matchAll(/step time ([\d.]+)ms/g)].map((m) => Number(m[1]));
  const stepMs = times.slice(-10).reduce((a, b) => a + b, 0) / Math.max(1, Math.min(10, times.length));
  const step = Number(/interrupted by SIGTERM at step (\d+)/.exec(err)?.[1] ?? NaN);
  rows.push({ afterMs, stepMs, latencyMs, step, code });
  console.log(`run ${i + 1}: SIGTERM ${(afterMs / 1000).toFixed(1)} s into training, at step ${step}: exited ${code} after ${latencyMs.toFixed(0)} ms (step ~${stepMs.toFixed(1)} ms)`);
  rmSync(dir, { recursive: true, force: true });
}
const lat = rows.map((r) => r.latencyMs).sort((a, b) => a - b);
const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
const within = rows.filter((r) => r.latencyMs <= 1000 + r.stepMs).length;
console.log(`\n${rows.length} moments: latency median ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, max ${lat[lat.length - 1].toFixed(0)} ms; `
  + `${within} within 1 s plus one step; exit codes ${[...new Set(rows.map((r) => r.code))].join(', ')}`);
