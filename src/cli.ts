#!/usr/bin/env node
// The wasmgrad command line: train / sample / eval the makemore notebook's model.
// Errors the user can fix print one line and exit 2 (usage) or 1 (runtime); --debug or
// WASMGRAD_DEBUG=1 prints the stack instead.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { init, Generator, type InitInfo, type Build } from './index.ts';
import { makeSplits, DataError } from './makemore/data.ts';
import { datasetTensors } from './makemore/session.ts';
import { MLP, type ModelConfig } from './makemore/model.ts';
import { train, NonFiniteLossError, type Schedule } from './makemore/train.ts';
import { encodeCheckpoint, decodeCheckpoint, loadInto, CheckpointError, type Checkpoint } from './makemore/checkpoint.ts';
import { readNames, claimOutputs, writeAtomic, readCheckpointFile, UserError } from './makemore/files.ts';
import { checkDataFits, MemoryLimitError, outOfMemoryMessage, type RunSizes } from './makemore/limits.ts';
import { escapeControls } from './makemore/text.ts';
import { progressBar, lossChart, writeLossSvg } from './makemore/report.ts';
import { benchMain } from './bench/e2e.ts';

class UsageError extends Error {}

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const HELP = `wasmgrad ${VERSION}: train small neural networks in JavaScript (WebAssembly SIMD)

Usage:
  wasmgrad train  [options]          train the makemore MLP (the reference notebook)
  wasmgrad sample --load FILE        sample names from a saved model
  wasmgrad eval   --load FILE        loss of a saved model on the data splits
  wasmgrad bench  [--steps N]        time the training loop on every build, and PyTorch/TF.js/C when present
  wasmgrad <command> --help          options of one command
  wasmgrad --version

npm start runs \`wasmgrad train\` with the notebook's settings.`;

// The options every command that computes takes.
const BUILD_HELP = `  --strict             the strict SIMD build (no relaxed SIMD): bit-identical numbers on every
                       machine and runtime (the same as --build simd)
  --build NAME         simd, relaxed or scalar (default: relaxed where the runtime has it, else
                       simd; or WASMGRAD_BUILD)`;

const TRAIN_HELP = `wasmgrad train: train the makemore notebook's MLP and print what the notebook prints

Options:
  --data FILE          names, one per line (default ./names.txt; downloaded from makemore if missing)
  --steps N            training steps (default 200000; 0 = evaluate and sample the untrained model)
  --batch-size N       minibatch size (default 32)
  --block-size N       characters of context (default 3)
  --embed N            embedding size (default 10)
  --hidden N           hidden units (default 200)
  --lr X               learning rate (default 0.1)
  --lr-decay-at N      first step at --lr-after (default steps/2)
  --lr-after X         learning rate after the decay (default 0.01)
  --seed N             seed of the shuffle, the init and the minibatches (default 42)
  --no-batchnorm       the plain MLP (prints the init losses as the notebook does)
  --samples N          names to sample at the end (default 20; 0 for none)
  --calibrate          also report losses with batch-norm statistics over the whole train set
  --save FILE          write a checkpoint (safetensors) at the end, or on Ctrl-C
  --resume FILE        continue a checkpoint's training up to --steps
  --plot FILE.svg      write the loss curve (log10 loss and its 1000-step mean)
  --json               end stdout with one JSON line of the results
  --threads N          threads for the training step (default 1, or WASMGRAD_THREADS): the
                       same numbers as 1 thread, on Node worker_threads
${BUILD_HELP}
  --debug              show stack traces`;

const SAMPLE_HELP = `wasmgrad sample: sample names from a checkpoint

Options:
  --load FILE          checkpoint written by \`wasmgrad train --save\` (required)
  --num N              how many names (default 20)
  --seed N             generator seed (default 42)
  --json               print one JSON line: {"samples": [...]}
${BUILD_HELP}
  --debug              show stack traces`;

const EVAL_HELP = `wasmgrad eval: loss of a checkpoint on the data splits (with its running statistics)

Options:
  --load FILE          checkpoint written by \`wasmgrad train --save\` (required)
  --data FILE          the names file it was trained on (default ./names.txt)
  --split NAME         train, val, test or all (default all)
  --json               print one JSON line: {"train": .., "val": .., "test": ..}
${BUILD_HELP}
  --debug              show stack traces`;

type Values = Record<string, string | boolean | undefined>;

function parse(argv: string[], options: Record<string, { type: 'string' | 'boolean' }>, command: string): Values {
  // `--steps -1` is a value, not a flag: join it so the value check can say what is wrong.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    if (options[name]?.type === 'string' && /^-\d|^-\.\d/.test(argv[i + 1] ?? '')) args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean' }, debug: { type: 'boolean' } }, strict: true, allowPositionals: false }).values as Values;
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify.*$/s, '').replace(/^Unknown option/, 'unknown option').replace(/\s*\n\s*/g, ' ');
    throw new UsageError(`${command}: ${msg}; see \`wasmgrad ${command} --help\``);
  }
}

/** An integer flag >= min, or the default; anything else is a usage error. */
function intFlag(v: Values, name: string, def: number, min: number): number {
  const raw = v[name];
  if (raw === undefined) return def;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isSafeInteger(n) || n < min) {
    const want = min === 0 ? 'a whole number >= 0' : `a whole number >= ${min}`;
    throw new UsageError(`--${name} must be ${want}, got '${raw}'`);
  }
  return n;
}

function posFlag(v: Values, name: string, def: number): number {
  const raw = v[name];
  if (raw === undefined) return def;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got '${raw}'`);
  return n;
}

const out = (line = '') => process.stdout.write(line + '\n');
const note = (line: string) => process.stderr.write(line + '\n');
const fmtStep = (i: number, steps: number, loss: number) => `${String(i).padStart(7)}/${String(steps).padStart(7)}: ${loss.toFixed(4)}`;

async function loadData(path: string | undefined, sizes: Omit<RunSizes, 'vocabSize' | 'examples'>, seed: number, from: string) {
  const text = await readNames(path ?? 'names.txt', { download: path === undefined, log: note });
  checkDataFits(text, sizes, from);
  return makeSplits(text, { blockSize: sizes.blockSize, seed });
}

const decode = (itos: string[], seqs: number[][]) => seqs.map((s) => s.map((i) => itos[i]).join(''));

async function cmdTrain(args: string[]): Promise<void> {
  const v = parse(args, {
    data: { type: 'string' }, steps: { type: 'string' }, 'batch-size': { type: 'string' }, 'block-size': { type: 'string' },
    embed: { type: 'string' }, hidden: { type: 'string' }, lr: { type: 'string' }, 'lr-decay-at': { type: 'string' },
    'lr-after': { type: 'string' }, seed: { type: 'string' }, 'no-batchnorm': { type: 'boolean' }, samples: { type: 'string' },
    calibrate: { type: 'boolean' }, save: { type: 'string' }, resume: { type: 'string' }, plot: { type: 'string' }, json: { type: 'boolean' },
    threads: { type: 'string' }, ...BUILD_OPTIONS,
  }, 'train');
  if (v.help) { out(TRAIN_HELP); return; }
  const steps = intFlag(v, 'steps', 200000, 0);
  const batchSize = intFlag(v, 'batch-size', 32, 1);
  let blockSize = intFlag(v, 'block-size', 3, 1);
  let nEmbed = intFlag(v, 'embed', 10, 1);
  let nHidden = intFlag(v, 'hidden', 200, 1);
  const schedule: Schedule = { lr: posFlag(v, 'lr', 0.1), decayAt: intFlag(v, 'lr-decay-at', Math.floor(steps / 2), 0), lrAfter: posFlag(v, 'lr-after', 0.01) };
  let seed = intFlag(v, 'seed', 42, 0);
  if (seed > 0xffffffff) throw new UsageError(`--seed must be below 2^32, got '${v.seed}'`);
  const numSamples = intFlag(v, 'samples', 20, 0);
  let batchnorm = !v['no-batchnorm'];
  const json = !!v.json;
  const outputs = (['save', 'plot'] as const).filter((f) => typeof v[f] === 'string').map((f) => ({ flag: `--${f}`, path: v[f] as string }));
  const inputs: { flag: string; path: string; replacedBy?: string }[] = [{ flag: '--data', path: (v.data as string | undefined) ?? 'names.txt' }];
  if (typeof v.resume === 'string') inputs.push({ flag: '--resume', path: v.resume, replacedBy: '--save' });
  await claimOutputs(outputs, inputs);

  let resume: Checkpoint | null = null;
  if (typeof v.resume === 'string') {
    resume = decodeCheckpoint(await readCheckpointFile(v.resume));
    const c = resume.config;
    const clash = (flag: string, given: unknown, saved: unknown) => {
      if (v[flag] !== undefined && given !== saved) throw new UsageError(`--${flag} ${given} does not match the checkpoint's ${saved}; drop the flag to use the checkpoint's value`);
    };
    clash('block-size', blockSize, c.blockSize); clash('embed', nEmbed, c.nEmbed); clash('hidden', nHidden, c.nHidden); clash('seed', seed, resume.training.seed);
    if (v['no-batchnorm'] && c.batchnorm) throw new UsageError('--no-batchnorm does not match the checkpoint, which has batch norm');
    ({ blockSize, nEmbed, nHidden } = c); seed = resume.training.seed; batchnorm = c.batchnorm;
    if (batchSize !== resume.training.batchSize && v['batch-size'] !== undefined) note(`note: resuming with --batch-size ${batchSize} (the checkpoint used ${resume.training.batchSize})`);
    if (resume.training.step > steps) throw new UsageError(`the checkpoint is already at step ${resume.training.step}; pass --steps above that to continue`);
    if (!resume.training.generator) throw new UsageError('this checkpoint holds weights only (no generator state), so training cannot resume exactly from it');
  }

  const threads = v.threads === undefined ? undefined : intFlag(v, 'threads', 1, 1);
  if (threads !== undefined && threads > 64) throw new UsageError(`--threads must be at most 64, got '${v.threads}'`);
  if (steps > 0 && batchnorm && batchSize < 2) throw new UsageError(`--batch-size ${batchSize}: batch norm needs at least 2 rows per step; use --batch-size 2 or more, or --no-batchnorm`);
  const info = await initFrom(v, threads);
  const data = await loadData(v.data as string | undefined, { blockSize, nEmbed, nHidden, batchnorm, batchSize: steps > 0 ? batchSize : 0 }, seed, resume ? "the checkpoint's sizes with this data" : 'these sizes');
  if (resume && resume.itos.join('') !== data.vocab.itos.join('')) {
    throw new UserError(`the checkpoint's vocabulary (${resume.itos.join('')}) differs from this data's (${data.vocab.itos.join('')}); pass the --data it was trained on`);
  }
  if (steps > 0 && data.train.n < batchSize) {
    throw new UserError(`the train split has ${data.train.n} examples, fewer than --batch-size ${batchSize}; use a smaller batch or more names`);
  }
  const tr = datasetTensors(data.train, blockSize), va = datasetTensors(data.val, blockSize), te = datasetTensors(data.test, blockSize);
  const config: ModelConfig = { vocabSize: data.vocab.itos.length, blockSize, nEmbed, nHidden, batchnorm };
  const g = new Generator().manualSeed(seed);
  const model = new MLP(config, g);
  const startStep = resume ? resume.training.step : 0;
  if (resume) { loadInto(model, resume); g.setState(resume.training.generator!); }

  const result: Record<string, unknown> = {
    splits: { train: [data.train.n, blockSize], val: [data.val.n, blockSize], test: [data.test.n, blockSize] },
    params: model.numParams(),
  };
  if (!json) out(`wasmgrad ${VERSION}: build ${info.build}${info.threads > 1 ? `, ${info.threads} threads` : ''}, node ${process.versions.node}`);
  for (const s of ['train', 'val', 'test'] as const) out(`${s}: X [${data[s].n}, ${blockSize}] Y [${data[s].n}]`);
  out(String(model.numParams()));
  if (!batchnorm && !resume) {
    const init = { train: model.splitLoss(tr.X, tr.Y), val: model.splitLoss(va.X, va.Y) };
    out(`train ${init.train}`); out(`val ${init.val}`);
    result.init = init;
  }
  if (resume) note(`resuming from ${v.resume} at step ${startStep}`);

  let stopping = false;
  const onSigint = () => { stopping = true; };
  process.on('SIGINT', onSigint);
  const bar = progressBar(steps, startStep);
  let trained: Awaited<ReturnType<typeof train>>;
  try {
    trained = await train(model, tr.X, tr.Y, g, {
      steps, batchSize, schedule, startStep, eager: process.env.WASMGRAD_EAGER === '1',
      onLog: (i, loss) => { bar?.interrupt(fmtStep(i, steps, loss)); if (!bar) out(fmtStep(i, steps, loss)); },
      onProgress: (i, loss) => bar?.update(i, loss),
      shouldStop: () => stopping,
    });
  } catch (e) {
    bar?.stop();
    if (e instanceof NonFiniteLossError) throw new UserError(e.message);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
  bar?.stop();
  const saveTo = typeof v.save === 'string' ? v.save : null;
  const save = async (step: number) => {
    if (!saveTo) return;
    await writeAtomic(saveTo, encodeCheckpoint(model, data.vocab.itos, { seed, batchSize, schedule, step, steps, generator: g.getState() }));
    note(`saved checkpoint at step ${step} to ${saveTo}`);
  };
  if (stopping) {
    await save(trained.stepReached);
    note(`interrupted at step ${trained.stepReached}${saveTo ? '' : ' (nothing saved: pass --save FILE to keep progress)'}`);
    process.exitCode = 130;
    return;
  }
  const ran = trained.stepReached - startStep;
  result.log = trained.log;
  if (steps > 0) {
    const final = { train: model.splitLoss(tr.X, tr.Y), val: model.splitLoss(va.X, va.Y), test: model.splitLoss(te.X, te.Y) };
    for (const [s, l] of Object.entries(final)) out(`${s} ${l}`);
    result.final = final;
    if (v.calibrate && batchnorm) {
      const stats = model.calibrate(tr.X);
      const cal = { train: model.splitLoss(tr.X, tr.Y, stats), val: model.splitLoss(va.X, va.Y, stats), test: model.splitLoss(te.X, te.Y, stats) };
      out('calibrated batch norm (statistics over the whole train set):');
      for (const [s, l] of Object.entries(cal)) out(`${s} ${l}`);
      result.calibrated = cal;
    }
  }
  if (typeof v.plot === 'string') {
    await writeLossSvg(v.plot, trained.lossi, startStep);
    note(`wrote the loss curve to ${v.plot}`);
  }
  if (trained.lossi.length >= 1000 && (process.stdout.isTTY || typeof v.plot === 'string') && !json) out(lossChart(trained.lossi));
  await save(trained.stepReached);
  const samples = decode(data.vocab.itos, model.sample(new Generator().manualSeed(seed), numSamples));
  for (const s of samples) out(s);
  result.samples = samples;
  result.seconds = trained.seconds;
  result.usPerStep = ran > 0 ? (trained.seconds * 1e6) / ran : null;
  result.build = info.build;
  if (info.threads > 1) { result.threads = info.threads; result.threadedSteps = trained.threadedSteps ?? 0; }
  // (steps run on one thread when that was faster: other processes were using the cores)
  const share = info.threads > 1 && ran > 0 ? `; ${info.threads} threads on ${Math.round((100 * (trained.threadedSteps ?? 0)) / ran)}% of steps` : '';
  if (!json && ran > 0) out(`trained ${ran} steps in ${trained.seconds.toFixed(2)} s (${((trained.seconds * 1e6) / ran).toFixed(1)} µs/step${share})`);
  if (json) out(JSON.stringify(result));
}

const BUILD_OPTIONS = { strict: { type: 'boolean' }, build: { type: 'string' } } as const;
const BUILD_NAMES: readonly Build[] = ['simd', 'relaxed', 'scalar', 'debug'];

/** init() with the command's --strict / --build (and --threads); a build this runtime cannot run is the user's to fix. */
async function initFrom(v: Values, threads?: number): Promise<InitInfo> {
  let build: Build | undefined;
  if (v.strict && v.build !== undefined && v.build !== 'simd') throw new UsageError(`--strict is the simd build; drop --strict or --build ${v.build}`);
  if (v.strict) build = 'simd';
  else if (v.build !== undefined) {
    if (!BUILD_NAMES.includes(v.build as Build)) throw new UsageError(`--build must be simd, relaxed or scalar, got '${v.build}'`);
    build = v.build as Build;
  }
  try {
    return await init({ ...(build ? { build } : {}), ...(threads === undefined ? {} : { threads }) });
  } catch (e) {
    throw new UserError(((e as Error).message ?? String(e)).replace(/^wasmgrad: /, ''));
  }
}

async function loadModel(path: string, v: Values): Promise<{ model: MLP; ckpt: Checkpoint; info: InitInfo }> {
  const ckpt = decodeCheckpoint(await readCheckpointFile(path));
  const info = await initFrom(v);
  const model = new MLP(ckpt.config, new Generator().manualSeed(ckpt.training.seed));
  loadInto(model, ckpt);
  return { model, ckpt, info };
}

async function cmdSample(args: string[]): Promise<void> {
  const v = parse(args, { load: { type: 'string' }, num: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, ...BUILD_OPTIONS }, 'sample');
  if (v.help) { out(SAMPLE_HELP); return; }
  if (typeof v.load !== 'string') throw new UsageError('sample: --load FILE is required (a checkpoint from `wasmgrad train --save FILE`)');
  const num = intFlag(v, 'num', 20, 1);
  const seed = intFlag(v, 'seed', 42, 0);
  const { model, ckpt } = await loadModel(v.load, v);
  const samples = decode(ckpt.itos, model.sample(new Generator().manualSeed(seed), num));
  if (v.json) out(JSON.stringify({ samples }));
  else for (const s of samples) out(s);
}

async function cmdEval(args: string[]): Promise<void> {
  const v = parse(args, { load: { type: 'string' }, data: { type: 'string' }, split: { type: 'string' }, json: { type: 'boolean' }, ...BUILD_OPTIONS }, 'eval');
  if (v.help) { out(EVAL_HELP); return; }
  if (typeof v.load !== 'string') throw new UsageError('eval: --load FILE is required (a checkpoint from `wasmgrad train --save FILE`)');
  const split = (v.split as string | undefined) ?? 'all';
  if (!['train', 'val', 'test', 'all'].includes(split)) throw new UsageError(`--split must be train, val, test or all, got '${split}'`);
  const { model, ckpt } = await loadModel(v.load, v);
  const data = await loadData(v.data as string | undefined, { ...ckpt.config, batchSize: 0 }, ckpt.training.seed, "the checkpoint's sizes with this data");
  if (data.vocab.itos.join('') !== ckpt.itos.join('')) {
    throw new UserError(`the checkpoint's vocabulary (${ckpt.itos.join('')}) differs from this data's (${data.vocab.itos.join('')}); pass the --data it was trained on`);
  }
  const result: Record<string, number> = {};
  for (const s of ['train', 'val', 'test'] as const) {
    if (split !== 'all' && split !== s) continue;
    const t = datasetTensors(data[s], ckpt.config.blockSize);
    result[s] = model.splitLoss(t.X, t.Y);
    if (!Number.isFinite(result[s])) throw new UserError(`the checkpoint's ${s} loss is ${result[s]}: its weights give non-finite values on this data, so it cannot be evaluated; use an earlier checkpoint`);
    if (!v.json) out(`${s} ${result[s]}`);
  }
  if (v.json) out(JSON.stringify(result));
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') { out(HELP); return 0; }
  if (command === '--version' || command === '-v') { out(VERSION); return 0; }
  const commands: Record<string, (a: string[]) => Promise<void>> = {
    train: cmdTrain, sample: cmdSample, eval: cmdEval,
    bench: async (a) => { process.exitCode = await benchMain(a); },
  };
  const run = commands[command];
  if (!run) throw new UsageError(`unknown command '${command}'; use train, sample or eval (see \`wasmgrad --help\`)`);
  await run(rest);
  return Number(process.exitCode ?? 0);
}

function isUserFacing(e: unknown): boolean {
  return e instanceof UsageError || e instanceof UserError || e instanceof DataError || e instanceof CheckpointError || e instanceof MemoryLimitError;
}

const debug = process.argv.includes('--debug') || !!process.env.WASMGRAD_DEBUG;
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    if (debug) console.error(e);
    else if (isUserFacing(e)) process.stderr.write(`wasmgrad: ${escapeControls((e as Error).message)}\n`);
    else if (outOfMemoryMessage(e)) process.stderr.write(`wasmgrad: ${outOfMemoryMessage(e)}\n`);
    else if (/^multinomial: probabilities must be finite/.test((e as Error)?.message)) {
      process.stderr.write('wasmgrad: the model gives non-finite probabilities (its weights overflow float32), so it cannot be sampled; use an earlier checkpoint or train with a lower --lr\n');
    }
    else process.stderr.write(`wasmgrad: internal error: ${escapeControls(String((e as Error)?.message ?? e))} (run with --debug for details and report it)\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
