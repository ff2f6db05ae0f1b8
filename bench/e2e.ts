// `npm run bench:e2e`: the notebook's batch-norm training loop for N steps on
// every wasmgrad build and, in the same run, on the peers that are present (TensorFlow.js wasm,
// PyTorch, plain C at two gcc levels); then other models (bench/models.mjs: makemore part 3's
// deeper batch-norm net, a small ReLU MLP with AdamW), compiled and eager, beside PyTorch; then
// makemore.py's six models as `wasmgrad makemore` trains them (bench/makemore_loop.mjs), compiled
// and eager, beside makemore.py itself in PyTorch (--makemore FILE). Each run is a child process that times its own loop, so
// data loading and process start are left out. Runs alternate (A B C A B C ...) and each system's
// median is reported. Whole-process runs do not fit tinybench (it times a function in-process),
// so this is a plain median. Leaves out: per-kernel timings (`npm run bench`).
//
//   npm run bench:e2e -- [--steps N] [--runs N] [--smoke] ...   (builds dist/, then runs this under tsx)
// Lives in the repository, not in the npm package: it compiles C and runs Python.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { init } from '../src/index.ts';
import { makeSplits } from '../src/makemore/data.ts';
import { readNames } from '../src/makemore/files.ts';
import { MODEL_TYPES } from '../src/makemore/zoo/models.ts';

const run = promisify(execFile);
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const ROOT = here('../');
const PEERS = join(ROOT, 'bench', 'peers');
const PYTHON = '/usr/bin/python3';
const BUILDS = ['relaxed', 'simd', 'scalar'] as const;
/** makemore.py's --type values. */
const MAKEMORE_TYPES = MODEL_TYPES;

export interface E2EOptions {
  steps: number;
  /** Runs of each system; the median is reported. */
  runs: number;
  /** Also run the peers (TF.js, PyTorch, C) that are present. */
  peers: boolean;
  /** The names file. */
  data: string;
  /** Steps per run of the other models (0: leave them out). */
  modelSteps?: number;
  /** Steps per run of makemore.py's models (0: leave them out; the first step is not timed). */
  makemoreSteps?: number;
  /** Which of makemore.py's models (default all six). */
  makemoreTypes?: readonly string[];
  /** karpathy/makemore's makemore.py, whose own classes the PyTorch rows train (null: no PyTorch rows). */
  makemorePy?: string | null;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface SystemResult {
  name: string;
  /** The model the row trains, when not the notebook's (bench/models.mjs). */
  model?: string;
  /** µs/step of each run. */
  runs: number[];
  median: number | null;
  /** Mean training loss over the last 1000 steps of the last run: a sanity check, not a score. */
  loss: number | null;
  /** Two-thread rows: the share of each run's steps that ran threaded (the rest ran on one thread, which was faster then). */
  threaded?: number[];
  /** Peak resident set of the child process, KB (the largest over its runs). */
  maxRSS: number | null;
  error?: string;
}

export interface E2EReport {
  date: string;
  steps: number;
  runs: number;
  machine: string;
  /** The build init() picks here; ratios are to it. */
  defaultBuild: string;
  /** Steps per run of the other models' rows. */
  modelSteps?: number;
  /** Steps per run of makemore.py's models' rows. */
  makemoreSteps?: number;
  results: SystemResult[];
  /** Peers not run, and why. */
  skipped: string[];
}

interface System { name: string; model?: string; file: string; args: string[]; env?: Record<string, string> }

const firstLine = (s: string) => s.trim().split('\n')[0] ?? '';
const version = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? firstLine(r.stdout || r.stderr) : null;
};

function cpuModel(): string {
  let model = os.cpus()[0]?.model ?? 'unknown CPU';
  let simd = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    model = /^model name\s*:\s*(.*)$/m.exec(info)?.[1] ?? model;
    simd = /\bavx512f\b/.test(info) ? ', AVX-512' : /\bavx2\b/.test(info) ? ', AVX2' : '';
  } catch { /* not Linux */ }
  return `${model}${simd}`;
}

/** The TF.js packages, resolved from this repo or from WASMGRAD_PEERS_DIR; null if absent. */
function tfjsVersion(): string | null {
  const base = process.env.WASMGRAD_PEERS_DIR ? join(process.env.WASMGRAD_PEERS_DIR, 'x.js') : join(PEERS, 'x.js');
  try {
    const require = createRequire(base);
    require.resolve('@tensorflow/tfjs-backend-wasm');
    createRequire(join(PEERS, 'x.js')).resolve('esbuild');
    return (require('@tensorflow/tfjs-core/package.json') as { version: string }).version;
  } catch {
    return null;
  }
}

/** Warns when build/*.wasm is older than the AssemblyScript sources (a repo checkout only). */
function staleWasm(): boolean {
  const dir = join(ROOT, 'assembly');
  if (!existsSync(dir)) return false;
  const newest = (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts')).reduce((t, f) => Math.max(t, statSync(join(dir, f)).mtimeMs), 0);
  return BUILDS.some((b) => existsSync(join(ROOT, 'build', `${b}.wasm`)) && statSync(join(ROOT, 'build', `${b}.wasm`)).mtimeMs < newest);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Runs the benchmark and returns its report (format it with `formatReport`).
 * @example
 *   const report = await runE2E({ steps: 20000, runs: 3, peers: true, data: 'names.txt' });
 *   console.log(formatReport(report));
 */
export async function runE2E(opts: E2EOptions): Promise<E2EReport> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const info = await init();
  const steps = String(opts.steps);
  const skipped: string[] = [];
  const systems: System[] = [];
  const tmp = mkdtempSync(join(os.tmpdir(), 'wasmgrad-bench-'));
  if (staleWasm()) log('warning: build/*.wasm is older than assembly/: run `npm run build:wasm` to measure the current kernels');

  // The wasmgrad child sits beside this file, plain JavaScript on the built library (dist/).
  const child = here('./wasmgrad_loop.mjs');
  if (!existsSync(join(ROOT, 'dist', 'makemore', 'index.js'))) throw new Error('dist/ is missing: run `npm run build:ts` first');
  for (const b of BUILDS) {
    if (!existsSync(join(ROOT, 'build', `${b}.wasm`))) { skipped.push(`wasmgrad ${b}: build/${b}.wasm missing (npm run build:wasm)`); continue; }
    if ((b === 'relaxed' && !info.relaxedSimd) || (b === 'simd' && !info.simd)) { skipped.push(`wasmgrad ${b}: this runtime cannot run it`); continue; }
    systems.push({ name: `wasmgrad ${b}`, file: process.execPath, args: [child, opts.data, steps], env: { WASMGRAD_BUILD: b, WASMGRAD_EAGER: '0', WASMGRAD_THREADS: '1' } });
  }
  // The same loop with every op through the autograd engine (train()'s `eager` path), default build.
  if (systems.some((s) => s.name === `wasmgrad ${info.build}`)) {
    systems.push({ name: `wasmgrad ${info.build}, eager ops`, file: process.execPath, args: [child, opts.data, steps], env: { WASMGRAD_BUILD: info.build, WASMGRAD_EAGER: '1', WASMGRAD_THREADS: '1' } });
  }
  // Two threads (init({ threads: 2 }): the -threads builds, helpers in worker_threads) on the
  // default build and on the strict one, where the machine has two cores.
  for (const b of new Set([info.build, 'simd'])) {
    if (!systems.some((s) => s.name === `wasmgrad ${b}`)) continue;
    if (os.cpus().length < 2) { skipped.push(`wasmgrad ${b}, 2 threads: this machine has one core`); continue; }
    if (!existsSync(join(ROOT, 'build', `${b}-threads.wasm`))) { skipped.push(`wasmgrad ${b}, 2 threads: build/${b}-threads.wasm missing (npm run build:wasm)`); continue; }
    systems.push({ name: `wasmgrad ${b}, 2 threads`, file: process.execPath, args: [child, opts.data, steps], env: { WASMGRAD_BUILD: b, WASMGRAD_EAGER: '0', WASMGRAD_THREADS: '2' } });
  }

  // The C and TF.js peers read the notebook's train split as written here: int32 n, block size, X, Y.
  let bin: string | null = null;
  const trainBin = () => {
    if (bin) return bin;
    const { train } = makeSplits(readFileSync(opts.data, 'utf8'), { blockSize: 3, seed: 42 });
    const ints = new Int32Array(2 + train.X.length + train.n);
    ints.set([train.n, 3]); ints.set(train.X, 2); ints.set(train.Y, 2 + train.X.length);
    writeFileSync((bin = join(tmp, 'train.bin')), ints);
    return bin;
  };
  const versions: string[] = [`node ${process.versions.node} (V8 ${process.versions.v8})`];
  if (opts.peers) {
    const tfjs = tfjsVersion();
    if (tfjs) {
      systems.push({ name: `TF.js ${tfjs} wasm`, file: process.execPath, args: [join(PEERS, 'tfjs_loop.mjs'), trainBin(), steps] });
      versions.push(`tfjs ${tfjs}`);
    } else skipped.push('TF.js: @tensorflow/tfjs-core and @tensorflow/tfjs-backend-wasm not installed (npm install in a checkout)');

    const torch = version(PYTHON, ['-c', 'import sys, torch; print(sys.version.split()[0], torch.__version__)']);
    if (torch) {
      const [py, tv] = torch.split(' ');
      systems.push({ name: `PyTorch ${tv} eager, 1 thread`, file: PYTHON, args: [join(PEERS, 'torch_loop.py'), opts.data, steps] });
      versions.push(`python ${py}, torch ${tv}`);
    } else skipped.push(`PyTorch: \`${PYTHON} -c 'import torch'\` failed`);

    const gcc = version('gcc', ['-dumpfullversion']);
    if (gcc) {
      for (const [label, flags] of [['-O3 -march=native -ffast-math', ['-O3', '-march=native', '-ffast-math']], ['-O3', ['-O3']]] as const) {
        const exe = join(tmp, `mlp_step${flags.length}`);
        const cc = spawnSync('gcc', [...flags, '-o', exe, join(PEERS, 'mlp_step.c'), '-lm'], { encoding: 'utf8' });
        if (cc.status === 0) systems.push({ name: `C, gcc ${label}`, file: exe, args: [trainBin(), steps] });
        else skipped.push(`C, gcc ${label}: compile failed: ${firstLine(cc.stderr)}`);
      }
      versions.push(`gcc ${gcc}`);
    } else skipped.push('C: gcc not found');
  }

  // Other models on the default build, compiled and eager, and their PyTorch twins.
  const torchOk = opts.peers && version(PYTHON, ['-c', 'import torch']) !== null;
  for (const model of opts.modelSteps ? ['deep', 'adamw'] : []) {
    const args = (mode: string) => [here('./models_loop.mjs'), opts.data, model, mode, String(opts.modelSteps)];
    const env = { WASMGRAD_BUILD: info.build, WASMGRAD_THREADS: '1' };
    systems.push({ name: `wasmgrad ${info.build}, compiled`, model, file: process.execPath, args: args('compiled'), env });
    systems.push({ name: `wasmgrad ${info.build}, eager`, model, file: process.execPath, args: args('eager'), env });
    if (torchOk) systems.push({ name: 'PyTorch eager, 1 thread', model, file: PYTHON, args: [join(PEERS, 'torch_models.py'), opts.data, model, String(opts.modelSteps)] });
  }
  // makemore.py's models at its default flags: `wasmgrad makemore`'s run, compiled and eager, and
  // makemore.py's own classes in PyTorch (which needs the user's copy of makemore.py).
  const makemoreTorch = opts.makemoreSteps && opts.peers && torchOk && opts.makemorePy;
  if (opts.makemoreSteps && opts.peers && !opts.makemorePy) skipped.push("makemore.py in PyTorch: pass --makemore path/to/makemore.py (karpathy/makemore's) to time it beside wasmgrad makemore");
  for (const type of opts.makemoreSteps ? opts.makemoreTypes ?? MAKEMORE_TYPES : []) {
    const model = `makemore ${type}`, steps = String(opts.makemoreSteps);
    for (const mode of ['compiled', 'eager']) {
      systems.push({ name: `wasmgrad ${info.build}, ${mode}`, model, file: process.execPath, args: [here('./makemore_loop.mjs'), opts.data, type, steps],
        env: { WASMGRAD_BUILD: info.build, WASMGRAD_THREADS: '1', WASMGRAD_EAGER: mode === 'eager' ? '1' : '0' } });
    }
    if (makemoreTorch) systems.push({ name: 'makemore.py, PyTorch eager, 1 thread', model, file: PYTHON, args: [join(PEERS, 'makemore_loop.py'), opts.makemorePy!, opts.data, type, steps] });
  }

  const results: SystemResult[] = systems.map((s) => ({ name: s.name, ...(s.model ? { model: s.model } : {}), runs: [], median: null, loss: null, maxRSS: null }));
  try {
    for (let r = 0; r < opts.runs; r++) {
      for (const [i, s] of systems.entries()) {
        const res = results[i];
        if (res.error) continue;
        try {
          const { stdout } = await run(s.file, s.args, { env: { ...process.env, ...s.env }, maxBuffer: 1 << 24, timeout: 30 * 60_000 });
          const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as { usPerStep: number; loss: number; maxRSS?: number; steps?: number; threadedSteps?: number };
          res.runs.push(out.usPerStep);
          if (out.threadedSteps !== undefined && out.steps) (res.threaded ??= []).push(out.threadedSteps / out.steps);
          res.loss = out.loss;
          res.maxRSS = Math.max(res.maxRSS ?? 0, out.maxRSS ?? 0) || null;
          log(`run ${r + 1}/${opts.runs}  ${(s.model ? `${s.model}: ${s.name}` : s.name).padEnd(38)} ${out.usPerStep.toFixed(1).padStart(8)} µs/step`);
        } catch (e) {
          const err = e as { stderr?: string; message: string };
          res.error = firstLine(err.stderr?.split('\n').filter((l) => /error/i.test(l)).join('\n') || err.stderr || err.message);
          log(`run ${r + 1}/${opts.runs}  ${s.name}: failed: ${res.error}`);
        }
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const res of results) res.median = res.runs.length ? median(res.runs) : null;
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  return {
    date: new Date().toISOString().slice(0, 10),
    steps: opts.steps,
    runs: opts.runs,
    machine: `${cpuModel()}, ${cores} cores, ${os.type()} ${os.release()}; ${versions.join(', ')}`,
    defaultBuild: info.build,
    ...(opts.modelSteps ? { modelSteps: opts.modelSteps } : {}),
    ...(opts.makemoreSteps ? { makemoreSteps: opts.makemoreSteps } : {}),
    results,
    skipped,
  };
}

/** The report as a Markdown table with its heading lines (what bench/RESULTS.md records). */
export function formatReport(r: E2EReport): string {
  const notebook = r.results.filter((x) => !x.model);
  const base = notebook.find((x) => x.name === `wasmgrad ${r.defaultBuild}`)?.median ?? null;
  const rows = notebook.map((x) => {
    const name = x.name === `wasmgrad ${r.defaultBuild}` ? `**${x.name}** (default)` : x.name;
    if (x.median === null) return `| ${name} | failed: ${x.error ?? 'no runs'} | | | | | |`;
    const ratio = base ? `${(x.median / base).toFixed(2)}×` : '';
    const threaded = x.threaded ? ` (threaded: ${x.threaded.map((f) => `${Math.round(100 * f)}%`).join(', ')} of steps)` : '';
    return `| ${name} | ${x.median.toFixed(1)} | ${ratio} | ${((x.median * 200000) / 1e6).toFixed(1)} s | ${x.loss?.toFixed(4) ?? ''} | ${rss(x)} | ${runsOf(x, threaded)} |`;
  });
  const models = [...new Set(r.results.flatMap((x) => (x.model && !x.model.startsWith('makemore ') ? [x.model] : [])))];
  const modelRows = models.flatMap((model) => {
    const xs = r.results.filter((x) => x.model === model);
    const compiled = xs.find((x) => x.name.endsWith(', compiled'))?.median ?? null;
    return xs.map((x) => {
      if (x.median === null) return `| ${model} | ${x.name} | failed: ${x.error ?? 'no runs'} | | | | |`;
      const ratio = compiled ? `${(x.median / compiled).toFixed(2)}×` : '';
      return `| ${model} | ${x.name} | ${x.median.toFixed(1)} | ${ratio} | ${x.loss?.toFixed(4) ?? ''} | ${rss(x)} | ${runsOf(x, '')} |`;
    });
  });
  return [
    `bench:e2e ${r.date}: the notebook's batch-norm training loop, ${r.steps} steps, median of ${r.runs} alternating run${r.runs > 1 ? 's' : ''} (training loop only)`,
    `machine: ${r.machine}`,
    '',
    `| system | µs/step | time ÷ wasmgrad ${r.defaultBuild} | 200k steps at this rate | loss, last 1000 steps | peak RSS | runs (µs/step) |`,
    '|---|--:|--:|--:|--:|--:|---|',
    ...rows,
    ...(modelRows.length ? [
      '',
      `Other models (bench/models.mjs), ${r.modelSteps} steps after 20 warm-up steps, batch 32, the same alternating runs:`,
      '',
      '| model | system | µs/step | time ÷ compiled | loss, last 1000 steps | peak RSS | runs (µs/step) |',
      '|---|---|--:|--:|--:|--:|---|',
      ...modelRows,
    ] : []),
    ...makemoreTable(r),
    ...(r.skipped.length ? ['', ...r.skipped.map((s) => `not run: ${s}`)] : []),
  ].join('\n');
}

/** makemore.py's models: ms per step, and how many times this row's time makemore.py's PyTorch takes. */
function makemoreTable(r: E2EReport): string[] {
  const xs = r.results.filter((x) => x.model?.startsWith('makemore '));
  if (!xs.length) return [];
  const rows = xs.map((x) => {
    const type = x.model!.slice('makemore '.length);
    if (x.median === null) return `| ${type} | ${x.name} | failed: ${x.error ?? 'no runs'} | | | | |`;
    const torch = xs.find((y) => y.model === x.model && y.name.startsWith('makemore.py'))?.median ?? null;
    const speedup = torch ? `${(torch / x.median).toFixed(2)}×` : '';
    return `| ${type} | ${x.name} | ${(x.median / 1000).toFixed(2)} | ${speedup} | ${x.loss?.toFixed(4) ?? ''} | ${rss(x)} | ${x.runs.map((u) => (u / 1000).toFixed(2)).join(', ')}${x.error ? `; then failed: ${x.error}` : ''} |`;
  });
  return [
    '',
    `makemore.py's models at its default flags (\`wasmgrad makemore --type T\`: bench/makemore_loop.mjs; makemore.py's own classes: bench/peers/makemore_loop.py), ${r.makemoreSteps} steps per run, the first min(10, steps / 2) not timed, the same alternating runs:`,
    '',
    '| --type | system | ms/step | makemore.py\'s time ÷ this | loss, last 10 steps | peak RSS | runs (ms/step) |',
    '|---|---|--:|--:|--:|--:|---|',
    ...rows,
  ];
}

const rss = (x: SystemResult) => (x.maxRSS ? `${Math.round(x.maxRSS / 1024)} MB` : '');
const runsOf = (x: SystemResult, note: string) => x.runs.map((u) => u.toFixed(1)).join(', ') + note + (x.error ? `; then failed: ${x.error}` : '');

export const BENCH_HELP = `npm run bench:e2e -- [options]: time the notebook's training loop on every wasmgrad build and on the peers present
(TensorFlow.js wasm backend, PyTorch via ${PYTHON}, plain C via gcc), alternating runs, median of each

Options:
  --steps N            training steps per run (default 20000)
  --model-steps N      steps per run of the other models (default 2000; 0 leaves them out)
  --makemore FILE      karpathy/makemore's makemore.py: time its six models in PyTorch beside
                       \`wasmgrad makemore\`'s (without it, wasmgrad's rows only)
  --makemore-steps N   steps per run of makemore.py's models (default 100; 0 leaves them out)
  --types LIST         which of them, comma-separated (default ${MAKEMORE_TYPES.join(',')})
  --runs N             runs of each system (default 3)
  --no-peers           wasmgrad builds only
  --smoke              a quick check: --steps 200 --model-steps 30 --makemore-steps 3 --runs 1 --no-peers
  --data FILE          names, one per line (default ./names.txt; downloaded from makemore if missing)
  --json               print the report as one JSON line instead of the table`;

/** The command: parses argv (every flag before any work), runs, prints; returns the exit code. */
export async function benchMain(argv: string[]): Promise<number> {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({ args: argv, strict: true, options: {
      steps: { type: 'string' }, 'model-steps': { type: 'string' }, runs: { type: 'string' }, 'no-peers': { type: 'boolean' }, smoke: { type: 'boolean' },
      makemore: { type: 'string' }, 'makemore-steps': { type: 'string' }, types: { type: 'string' },
      data: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' }, debug: { type: 'boolean' },
    } }).values;
  } catch (e) {
    process.stderr.write(`bench:e2e: ${(e as Error).message.split('\n')[0].replace(/\. To specify.*$/, '').replace(/^Unknown/, 'unknown')}; see \`npm run bench:e2e -- --help\`\n`);
    return 2;
  }
  if (v.help) { process.stdout.write(BENCH_HELP + '\n'); return 0; }
  const int = (name: string, def: number, min = 1) => {
    const n = v[name] === undefined ? def : Number(v[name]);
    if (!Number.isSafeInteger(n) || n < min) throw new RangeError(`--${name} must be a whole number >= ${min}, got '${v[name]}'`);
    return n;
  };
  let opts: E2EOptions;
  try {
    const data = typeof v.data === 'string' ? v.data : 'names.txt';
    opts = { steps: int('steps', v.smoke ? 200 : 20000), runs: int('runs', v.smoke ? 1 : 3), peers: !v['no-peers'] && !v.smoke, data, modelSteps: int('model-steps', v.smoke ? 30 : 2000, 0) };
    opts.makemoreSteps = int('makemore-steps', v.smoke ? 3 : 100, 0);
    if (opts.makemoreSteps === 1) throw new RangeError("--makemore-steps must be 0 or at least 2 (the first steps are not timed), got '1'");
    if (typeof v.types === 'string') {
      const types = v.types.split(',').map((t) => t.trim());
      const bad = types.find((t) => !(MAKEMORE_TYPES as readonly string[]).includes(t));
      if (bad !== undefined) throw new RangeError(`--types: '${bad}' is not one of ${MAKEMORE_TYPES.join(', ')}`);
      opts.makemoreTypes = types;
    }
    if (typeof v.makemore === 'string') {
      if (!existsSync(v.makemore) || !statSync(v.makemore).isFile()) throw new Error(`--makemore ${v.makemore}: no such file; pass the path of karpathy/makemore's makemore.py`);
      opts.makemorePy = v.makemore;
    }
    await readNames(data, { download: v.data === undefined, log: (m) => process.stderr.write(m + '\n') });
  } catch (e) {
    process.stderr.write(`bench:e2e: ${(e as Error).message}\n`);
    return e instanceof RangeError ? 2 : 1;
  }
  const report = await runE2E(opts);
  process.stdout.write((v.json ? JSON.stringify(report) : formatReport(report)) + '\n');
  return report.results.some((x) => x.error) || report.results.length === 0 ? 1 : 0;
}

const isMain = () => { try { return realpathSync(process.argv[1]) === fileURLToPath(import.meta.url); } catch { return false; } };
if (isMain()) process.exitCode = await benchMain(process.argv.slice(2));
