#!/usr/bin/env node
// The wasmgrad command line: train / sample / eval the makemore notebook's model, every run
// through makemore/session.ts, and `makemore`, makemore.py's model zoo (src/cli/makemore.ts);
// what the commands share is src/cli/common.ts. Errors the user can fix print one line and exit 2 (usage) or 1
// (runtime); a signal during train or makemore saves the last completed step and exits 128 + its number.
// --debug or WASMGRAD_DEBUG=1 prints the stack instead. Leaves out: the benchmarks (bench/).
import {
  parse, intFlag, posFlag, out, note, Signals, ignoreClosedOutput, initFrom, UsageError, VERSION, BUILD_HELP, BUILD_OPTIONS, type Values,
} from './cli/common.ts';
import { cmdMakemore, MAKEMORE_HELP } from './cli/makemore.ts';
import { parse as parsePath } from 'node:path';
import { saveTorch, type InitInfo } from './index.ts';
import { DataError } from './makemore/data.ts';
import {
  Session, NOTEBOOK, LIMITS, ConfigError, checkConfig, resumeConfig, checkVocab, datasetTensors, modelFromCheckpoint, splitLoss, sampleNames, MAX_SAMPLES,
  type RunConfig, type Labels,
} from './makemore/session.ts';
import { DivergenceError } from './makemore/train.ts';
import { decodeCheckpoint, CheckpointError, type Checkpoint } from './makemore/checkpoint.ts';
import { makeSplits } from './makemore/data.ts';
import { readNames, checkSaveTarget, claimOutputs, writeAtomic, readCheckpointFile, UserError } from './makemore/files.ts';
import { checkDataFits, MemoryLimitError, outOfMemoryMessage } from './makemore/limits.ts';
import { escapeControls } from './makemore/text.ts';
import { startProgress, lossChart, lossSvg, loadPlotter } from './makemore/report.ts';

const HELP = `wasmgrad ${VERSION}: train small neural networks in JavaScript (WebAssembly SIMD)

Usage:
  wasmgrad train  [options]          train the makemore MLP (the reference notebook)
  wasmgrad sample --load FILE        sample names from a saved model
  wasmgrad eval   --load FILE        loss of a saved model on the data splits
  wasmgrad makemore [options]        makemore.py's models (bigram, mlp, rnn, gru, bow,
                                     transformer) with its flags, defaults and numbers
  wasmgrad help <command>            options of one command (or: wasmgrad <command> --help)
  wasmgrad --version

npm start runs \`wasmgrad train\` with the notebook's settings; give it flags after --
(npm keeps the ones before for itself): npm start -- --steps 1000 --data FILE

Exit codes: 0 done, 1 error, 2 bad usage, 128+N stopped by signal N (130 Ctrl-C, 143 SIGTERM,
129 SIGHUP) after saving the last completed step.`;


const TRAIN_HELP = `wasmgrad train: train the makemore notebook's MLP and print what the notebook prints

Options:
  --data FILE          names, one per line (default ./names.txt; downloaded from makemore if missing)
  --steps N            training steps (default 200000; 0 = evaluate and sample the untrained model)
  --batch-size N       minibatch size (default 32)
  --block-size N       characters of context (default 3)
  --embed N            embedding size (default 10)
  --hidden N           hidden units (default 200); sizes that cannot fit wasm memory
                       (4 GiB) are refused before anything is allocated
  --lr X               learning rate (default 0.1)
  --lr-decay-at N      first step at --lr-after (default steps/2)
  --lr-after X         learning rate after the decay (default 0.01)
  --seed N             seed of the shuffle, the init and the minibatches (default 42)
  --no-batchnorm       the plain MLP (prints the init losses as the notebook does)
  --samples N          names to sample at the end (default 20, at most 1000; 0 for none)
  --calibrate          also report losses with batch-norm statistics over the whole train set
  --save FILE          write a checkpoint (safetensors) when training ends, before the final
                       evaluation; on Ctrl-C, SIGTERM or SIGHUP, of the last completed step.
                       FILE.pt: the weights only, as torch.save writes them (torch.load reads
                       C, W1, b1, W2, b2, bngain, ...; it cannot be resumed or sampled here)
  --resume FILE        continue a checkpoint's run with its own settings (sizes, seed, batch size,
                       learning-rate schedule) to its --steps, or to a new --steps N; a different
                       --batch-size or --lr* overrides the checkpoint's (and says so)
  --plot FILE.svg      write the loss curve (log10 loss and its 1000-step mean); needs the
                       optional packages vega and vega-lite
  --json               print exactly one JSON document on stdout, the results; all other
                       lines go to stderr
  --threads N          threads for the training step (default 1, or WASMGRAD_THREADS): the
                       same numbers as 1 thread, on Node worker_threads
${BUILD_HELP}
  --debug              show stack traces

A live progress bar shows on a terminal when the optional package cli-progress is installed.`;

const SAMPLE_HELP = `wasmgrad sample: sample names from a checkpoint

Options:
  --load FILE          checkpoint written by \`wasmgrad train --save\` (required)
  --num N              how many names (default 20)
  --seed N             generator seed (default 42)
  --json               print one JSON document: {"samples": [...]}
${BUILD_HELP}
  --debug              show stack traces`;

const EVAL_HELP = `wasmgrad eval: loss of a checkpoint on the data splits (with its running statistics)

Options:
  --load FILE          checkpoint written by \`wasmgrad train --save\` (required)
  --data FILE          the names file it was trained on (default ./names.txt)
  --split NAME         train, val, test or all (default all)
  --json               print one JSON document: {"train": .., "val": .., "test": ..}
${BUILD_HELP}
  --debug              show stack traces`;

const COMMAND_HELP: Record<string, string> = { train: TRAIN_HELP, sample: SAMPLE_HELP, eval: EVAL_HELP, makemore: MAKEMORE_HELP };






const fmtStep = (i: number, steps: number, loss: number) => `${String(i).padStart(7)}/${String(steps).padStart(7)}: ${loss.toFixed(4)}`;

/** Flag -> RunConfig key, for the settings a run is made of (and the names messages use). */
const RUN_FLAGS = {
  steps: 'steps', 'batch-size': 'batchSize', 'block-size': 'blockSize', embed: 'nEmbed', hidden: 'nHidden',
  lr: 'lr', 'lr-decay-at': 'decayAt', 'lr-after': 'lrAfter', seed: 'seed',
} as const satisfies Record<string, keyof RunConfig>;
const LABELS: Labels = { ...Object.fromEntries(Object.entries(RUN_FLAGS).map(([f, k]) => [k, `--${f}`])), batchnorm: '--no-batchnorm' };

/** The settings this command line asks for explicitly (flags not given are left out). */
function givenConfig(v: Values): Partial<RunConfig> {
  const given: Partial<RunConfig> = {};
  for (const [flag, key] of Object.entries(RUN_FLAGS)) {
    if (v[flag] === undefined) continue;
    given[key] = key === 'lr' || key === 'lrAfter' ? posFlag(v, flag, NaN) : intFlag(v, flag, NaN, 0);
  }
  if (v['no-batchnorm']) given.batchnorm = false;
  return given;
}




async function cmdTrain(args: string[]): Promise<void> {
  const v = parse(args, {
    data: { type: 'string' }, steps: { type: 'string' }, 'batch-size': { type: 'string' }, 'block-size': { type: 'string' },
    embed: { type: 'string' }, hidden: { type: 'string' }, lr: { type: 'string' }, 'lr-decay-at': { type: 'string' },
    'lr-after': { type: 'string' }, seed: { type: 'string' }, 'no-batchnorm': { type: 'boolean' }, samples: { type: 'string' },
    calibrate: { type: 'boolean' }, save: { type: 'string' }, resume: { type: 'string' }, plot: { type: 'string' }, json: { type: 'boolean' },
    threads: { type: 'string' }, ...BUILD_OPTIONS,
  }, 'train');
  if (v.help) { out(TRAIN_HELP); return; }
  const json = !!v.json;
  // With --json, stdout holds exactly one JSON document: every other line goes to stderr.
  const human = json ? process.stderr : process.stdout;
  const say = (line = '') => { human.write(line + '\n'); };
  const given = givenConfig(v);
  const numSamples = intFlag(v, 'samples', 20, 0);
  if (numSamples > MAX_SAMPLES) throw new UsageError(`--samples must be at most ${MAX_SAMPLES}, got '${v.samples}'`);
  const threads = v.threads === undefined ? undefined : intFlag(v, 'threads', 1, 1);
  if (threads !== undefined && threads > 64) throw new UsageError(`--threads must be at most 64, got '${v.threads}'`);
  const saveTo = typeof v.save === 'string' ? v.save : null;
  const plotTo = typeof v.plot === 'string' ? v.plot : null;

  // Everything that can be checked is checked before the work starts.
  let resume: Checkpoint | null = null;
  let config: RunConfig;
  let notes: string[] = [];
  if (typeof v.resume === 'string') {
    resume = decodeCheckpoint(await readCheckpointFile(v.resume));
    ({ config, notes } = resumeConfig(resume, given, LABELS));
  } else {
    config = { ...NOTEBOOK, ...given };
  }
  // A setting out of range is the flag's fault if one was given, else the checkpoint's.
  const labels: Labels = resume
    ? Object.fromEntries(Object.keys(config).map((k) => [k, k in given ? LABELS[k as keyof RunConfig] : `the checkpoint's ${LIMITS[k as keyof typeof LIMITS]?.[0] ?? k}`]))
    : LABELS;
  checkConfig(config, labels);
  // Outputs: writable now (a trial write), none the same file as another or as an input, and
  // reserved for this run; --plot's optional packages present.
  const outputs = [{ flag: '--save', path: saveTo }, { flag: '--plot', path: plotTo }].filter((o): o is { flag: string; path: string } => o.path !== null);
  for (const o of outputs) await checkSaveTarget(o.path, o.flag);
  const inputs: { flag: string; path: string; replacedBy?: string }[] = [{ flag: '--data', path: (v.data as string | undefined) ?? 'names.txt' }];
  if (typeof v.resume === 'string') inputs.push({ flag: '--resume', path: v.resume, replacedBy: '--save' });
  await claimOutputs(outputs, inputs);
  if (plotTo) await loadPlotter();

  ignoreClosedOutput();
  const signals = new Signals(note);
  signals.idle('stopped before training began; nothing was saved');
  const info = await initFrom(v, threads);
  const text = await readNames((v.data as string | undefined) ?? 'names.txt', { download: v.data === undefined, log: note });
  // keepLosses false: a run of any length keeps its loss curve in bounded memory (session.curve).
  const session = new Session(text, config, { resume: resume ?? undefined, eager: process.env.WASMGRAD_EAGER === '1', keepLosses: false });
  const { data, model } = session;
  const { blockSize, batchnorm, steps } = session.config;

  const result: Record<string, unknown> = {
    splits: { train: [data.train.n, blockSize], val: [data.val.n, blockSize], test: [data.test.n, blockSize] },
    params: model.numParams(),
  };
  say(`wasmgrad ${VERSION}: build ${info.build}${info.threads > 1 ? `, ${info.threads} threads` : ''}, node ${process.versions.node}`);
  for (const s of ['train', 'val', 'test'] as const) say(`${s}: X [${data[s].n}, ${blockSize}] Y [${data[s].n}]`);
  say(String(model.numParams()));
  if (!batchnorm && !resume && steps > 0) {
    // The notebook prints the plain MLP's losses at init, before training.
    const init = { train: session.splitLoss('train'), val: session.splitLoss('val') };
    say(`train ${init.train}`); say(`val ${init.val}`);
    result.init = init;
  }
  if (resume) note(`resuming from ${v.resume} at step ${session.startStep}`);
  for (const n of notes) note(`note: ${n}`);

  const progress = await startProgress(steps, session.step, human);
  signals.training();
  try {
    await session.run({
      onLog: (i, loss) => progress.line(fmtStep(i, steps, loss)),
      onProgress: (i, loss) => progress.update(i, loss),
      shouldStop: () => signals.caught !== null,
    });
  } finally {
    progress.stop();
  }
  const ran = session.step - session.startStep;
  const kept = (step: number) => `the checkpoint at step ${step} is in ${saveTo}`;

  // Save first: whatever fails after training (evaluation, a plot, memory) cannot lose the run.
  const save = async () => {
    const bytes = /\.pt$/i.test(saveTo!) ? saveTorch(session.model.namedTensors(), { archive: parsePath(saveTo!).name || 'archive' }) : session.checkpoint();
    await signals.saving(() => writeAtomic(saveTo!, bytes));
    note(`saved checkpoint at step ${session.step} to ${saveTo}`);
  };
  const stopped = signals.caught !== null;
  if (stopped) {
    note(`interrupted by ${signals.caught} at step ${session.step}` +
      (saveTo && ran > 0 ? `: saving the checkpoint to ${saveTo}` : saveTo ? ' (no step completed: nothing new to save)' : ' (nothing saved: pass --save FILE to keep progress)'));
  }
  const saved = !!saveTo && (ran > 0 || !stopped);
  if (saved) await save();
  // A signal during the training, or during the final save: the run is kept, the command stops there.
  if (signals.caught) {
    if (!stopped) note(`interrupted by ${signals.caught} during the final save: ${kept(session.step)}`);
    signals.idle(saved ? kept(session.step) : 'nothing was saved');
    if (json) out(JSON.stringify({ interrupted: signals.caught, step: session.step, saved: saved ? saveTo : null }));
    process.exitCode = signals.code;
    await signals.dispose();
    return;
  }
  signals.idle(saveTo ? kept(session.step) : 'nothing was saved (pass --save FILE to keep a run)');

  result.log = session.log;
  // Between the phases below, a signal handler gets to run (and exit: the run is saved).
  const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));
  await breathe();
  const final = session.splitLosses();
  for (const [s, l] of Object.entries(final)) say(`${s} ${l}`);
  result.final = final;
  if (v.calibrate && batchnorm) {
    await breathe();
    const cal = session.calibratedLosses();
    say('calibrated batch norm (statistics over the whole train set):');
    for (const [s, l] of Object.entries(cal)) say(`${s} ${l}`);
    result.calibrated = cal;
  }
  if (plotTo) {
    await writeAtomic(plotTo, new TextEncoder().encode(await lossSvg(session.curve)));
    note(`wrote the loss curve to ${plotTo}`);
  }
  if ((human.isTTY || plotTo) && !json) {
    const chart = await lossChart(session.curve);
    if (chart) say(chart);
  }
  await breathe();
  const samples = numSamples > 0 ? session.sample(numSamples) : [];
  for (const s of samples) say(s);
  result.samples = samples;
  result.seconds = session.seconds;
  result.usPerStep = ran > 0 ? (session.seconds * 1e6) / ran : null;
  result.build = info.build;
  if (info.threads > 1) { result.threads = info.threads; result.threadedSteps = session.threadedSteps; }
  // (steps run on one thread when that was faster: other processes were using the cores)
  const share = info.threads > 1 && ran > 0 ? `; ${info.threads} threads on ${Math.round((100 * session.threadedSteps) / ran)}% of steps` : '';
  if (ran > 0) say(`trained ${ran} steps in ${session.seconds.toFixed(2)} s (${((session.seconds * 1e6) / ran).toFixed(1)} µs/step${share})`);
  if (json) out(JSON.stringify(result));
  await signals.dispose();
}



async function loadCheckpoint(path: string, v: Values): Promise<{ ckpt: Checkpoint; info: InitInfo }> {
  const ckpt = decodeCheckpoint(await readCheckpointFile(path));
  return { ckpt, info: await initFrom(v) };
}

async function cmdSample(args: string[]): Promise<void> {
  const v = parse(args, { load: { type: 'string' }, num: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, ...BUILD_OPTIONS }, 'sample');
  if (v.help) { out(SAMPLE_HELP); return; }
  if (typeof v.load !== 'string') throw new UsageError('sample: --load FILE is required (a checkpoint from `wasmgrad train --save FILE`)');
  const num = intFlag(v, 'num', 20, 1);
  const seed = intFlag(v, 'seed', 42, 0);
  const { ckpt } = await loadCheckpoint(v.load, v);
  const samples = sampleNames(modelFromCheckpoint(ckpt), ckpt.itos, num, seed);
  if (v.json) out(JSON.stringify({ samples }));
  else for (const s of samples) out(s);
}

async function cmdEval(args: string[]): Promise<void> {
  const v = parse(args, { load: { type: 'string' }, data: { type: 'string' }, split: { type: 'string' }, json: { type: 'boolean' }, ...BUILD_OPTIONS }, 'eval');
  if (v.help) { out(EVAL_HELP); return; }
  if (typeof v.load !== 'string') throw new UsageError('eval: --load FILE is required (a checkpoint from `wasmgrad train --save FILE`)');
  const split = (v.split as string | undefined) ?? 'all';
  if (!['train', 'val', 'test', 'all'].includes(split)) throw new UsageError(`--split must be train, val, test or all, got '${split}'`);
  const { ckpt } = await loadCheckpoint(v.load, v);
  const text = await readNames((v.data as string | undefined) ?? 'names.txt', { download: v.data === undefined, log: note });
  checkDataFits(text, { ...ckpt.config, batchSize: 0 }, "the checkpoint's sizes with this data");
  const data = makeSplits(text, { blockSize: ckpt.config.blockSize, seed: ckpt.training.seed });
  checkVocab(ckpt, data.vocab.itos);
  const model = modelFromCheckpoint(ckpt);
  const result: Record<string, number> = {};
  for (const s of ['train', 'val', 'test'] as const) {
    if (split !== 'all' && split !== s) continue;
    result[s] = splitLoss(model, datasetTensors(data[s], ckpt.config.blockSize));
    if (!Number.isFinite(result[s])) throw new UserError(`the checkpoint's ${s} loss is ${result[s]}: its weights give non-finite values on this data, so it cannot be evaluated; use an earlier checkpoint`);
    if (!v.json) out(`${s} ${result[s]}`);
  }
  if (v.json) out(JSON.stringify(result));
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') { out(HELP); return 0; }
  if (command === 'help') {
    if (rest[0] === undefined) { out(HELP); return 0; }
    const help = COMMAND_HELP[rest[0]];
    if (!help) throw new UsageError(`help: no command '${rest[0]}'; use train, sample, eval or makemore`);
    out(help);
    return 0;
  }
  if (command === '--version' || command === '-v') { out(VERSION); return 0; }
  // Relative paths (names.txt, out/) need a current folder; one deleted under the shell has none.
  try { process.cwd(); } catch { throw new UserError('the current folder no longer exists (deleted or moved while the shell was in it); cd to an existing folder and run again'); }
  const commands: Record<string, (a: string[]) => Promise<void>> = { train: cmdTrain, sample: cmdSample, eval: cmdEval, makemore: cmdMakemore };
  const run = commands[command];
  if (!run) throw new UsageError(`unknown command '${command}'; use train, sample, eval or makemore (see \`wasmgrad --help\`)`);
  await run(rest);
  return Number(process.exitCode ?? 0);
}

/** Exit code of an error the user can fix (one line, no stack), or null for a bug. */
function userExitCode(e: unknown): number | null {
  if (e instanceof UsageError || e instanceof ConfigError) return 2;
  if (e instanceof UserError || e instanceof DataError || e instanceof CheckpointError || e instanceof DivergenceError || e instanceof MemoryLimitError) return 1;
  return null;
}

const debug = process.argv.includes('--debug') || !!process.env.WASMGRAD_DEBUG;
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    const code = userExitCode(e);
    if (debug) console.error(e);
    else if (code !== null) process.stderr.write(`wasmgrad: ${escapeControls((e as Error).message)}\n`);
    else if (outOfMemoryMessage(e)) process.stderr.write(`wasmgrad: ${outOfMemoryMessage(e)}\n`);
    else if (/^multinomial: probabilities must be finite/.test((e as Error)?.message)) {
      process.stderr.write('wasmgrad: the model gives non-finite probabilities (its weights overflow float32), so it cannot be sampled; use an earlier checkpoint or train with a lower --lr\n');
    }
    else process.stderr.write(`wasmgrad: internal error: ${escapeControls(String((e as Error)?.message ?? e))} (run with --debug for details and report it)\n`);
    process.exitCode = code ?? 1;
  },
);
