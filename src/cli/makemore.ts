// `wasmgrad makemore`: karpathy/makemore's makemore.py on wasmgrad, with its flags, defaults and
// output, so that `python makemore.py ...` becomes `npx wasmgrad makemore ...`. The run itself is
// src/makemore/zoo/run.ts; this file reads and checks the flags, the input file and the work
// dir's files, prints, saves durably and turns signals into a saved stop.
import { stat, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ZooRun, MAKEMORE_DEFAULTS, sampleLines, settingsProblem, type ZooSettings, type Samples } from '../makemore/zoo/run.ts';
import { MODEL_TYPES, type ModelType } from '../makemore/zoo/models.ts';
import { decodeModel, decodeTorchModel, decodeState, sameData, type SavedState, type ModelFile } from '../makemore/zoo/checkpoint.ts';
import { parseWords, vocabularyOf } from '../makemore/zoo/data.ts';
import { escapeControls } from '../makemore/text.ts';
import { DataError } from '../makemore/data.ts';
import { pyDict } from '../makemore/zoo/format.ts';
import { readNames, readCheckpointFile, claimOutputs, checkSaveTarget, makeFolder, writeAtomic, UserError } from '../makemore/files.ts';
import { CheckpointError } from '../makemore/checkpoint.ts';
import { DivergenceError } from '../makemore/divergence.ts';
import { saveTorch } from '../index.ts';
import { outOfMemoryMessage } from '../makemore/limits.ts';
import { parse, intFlag, UsageError, Signals, initFrom, ignoreClosedOutput, out, note, BUILD_OPTIONS, BUILD_HELP, VERSION, type Values } from './common.ts';

export const MAKEMORE_HELP = `wasmgrad makemore: karpathy/makemore's makemore.py (its six models, flags, defaults and output)

Trains a character-level language model on a file of words (one per line) and samples new
words like them. Every 10 steps it prints the loss; every 500 it evaluates on the train and test
sets and saves the model, when its test loss is the best so far, to WORK_DIR/model.safetensors
(PyTorch's parameter names: it loads into makemore.py's classes); every 200 it samples 10 words.
With the same flags it prints makemore.py's numbers (PyTorch 1.13, one thread).

Options (makemore.py's):
  -i, --input-file FILE  words, one per line (default names.txt; makemore's names.txt is
                         downloaded when the default file is missing)
  -o, --work-dir DIR     where models are saved (default out; created if missing)
  --resume               continue the run saved in WORK_DIR: exactly where it stopped
                         (resume.safetensors), or from model.safetensors's weights at step 0
                         (or makemore.py's model.pt's, when there is no model.safetensors)
  --sample-only          print 50 samples of WORK_DIR/model.safetensors (or model.pt) and quit
  --max-steps N          steps to train to, counted from the run's start (default -1: no end;
                         stop with Ctrl-C, which saves the run for --resume)
  --seed N               seed of the split, the init, the batches and the samples (default 3407)
  --top-k N              sample from the N most likely characters only (default -1: all)
  --type NAME            bigram, mlp, rnn, gru, bow or transformer (default transformer)
  --n-layer N            number of layers (default 4)
  --n-head N             number of heads, in a transformer (default 4)
  --n-embd N             number of feature channels in the model (default 64)
  --n-embd2 N            number of feature channels elsewhere in the model (default 64)
  -b, --batch-size N     batch size during optimization (default 32)
  -l, --learning-rate X  learning rate (default 5e-4)
  -w, --weight-decay X   weight decay (default 0.01)
  -n, --num-workers N    accepted for makemore.py's command lines; data loading runs in-process
  --device cpu           accepted for makemore.py's command lines; wasmgrad runs on the CPU

Options (wasmgrad's):
  --overwrite            start a new run in a WORK_DIR that holds another one (its model and
                         resume files are deleted first); without it that is refused
  --json                 print exactly one JSON document on stdout, the results; all other
                         lines go to stderr
${BUILD_HELP}
  --debug                show stack traces

Files in WORK_DIR: model.safetensors (the best model), model.pt (the same weights as torch.save
writes them: makemore.py --resume reads it) and resume.safetensors (the state after the last
evaluation, or where training stopped: weights, AdamW's moments, random generators, step).
Ctrl-C, SIGTERM and SIGHUP finish the step under way, save resume.safetensors and exit.`;

const OPTIONS = {
  'input-file': { type: 'string', short: 'i' }, 'work-dir': { type: 'string', short: 'o' }, resume: { type: 'boolean' },
  'sample-only': { type: 'boolean' }, 'num-workers': { type: 'string', short: 'n' }, 'max-steps': { type: 'string' },
  device: { type: 'string' }, seed: { type: 'string' }, 'top-k': { type: 'string' }, type: { type: 'string' },
  'n-layer': { type: 'string' }, 'n-head': { type: 'string' }, 'n-embd': { type: 'string' }, 'n-embd2': { type: 'string' },
  'batch-size': { type: 'string', short: 'b' }, 'learning-rate': { type: 'string', short: 'l' }, 'weight-decay': { type: 'string', short: 'w' },
  json: { type: 'boolean' }, overwrite: { type: 'boolean' }, ...BUILD_OPTIONS,
} as const;

/** Flag -> setting, for the settings that shape a run. */
const SETTING_FLAGS = {
  type: 'type', 'n-layer': 'nLayer', 'n-head': 'nHead', 'n-embd': 'nEmbd', 'n-embd2': 'nEmbd2', seed: 'seed',
  'batch-size': 'batchSize', 'learning-rate': 'learningRate', 'weight-decay': 'weightDecay', 'top-k': 'topK', 'max-steps': 'maxSteps',
} as const satisfies Record<string, keyof ZooSettings>;
type SettingFlag = keyof typeof SETTING_FLAGS;
const flagOf = (key: keyof ZooSettings) => `--${Object.entries(SETTING_FLAGS).find(([, k]) => k === key)![0]}`;

function numberFlag(v: Values, name: string, min: number): number | undefined {
  const raw = v[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number >= ${min}, got '${raw}'`);
  return n;
}

/** The settings the command line gives explicitly (flags not given are left out). */
function givenSettings(v: Values): Partial<ZooSettings> {
  const given: Partial<ZooSettings> = {};
  if (v.type !== undefined) {
    if (!MODEL_TYPES.includes(v.type as ModelType)) throw new UsageError(`--type must be one of ${MODEL_TYPES.join(', ')}, got '${v.type}'`);
    given.type = v.type as ModelType;
  }
  const ints: [SettingFlag, number][] = [['n-layer', 0], ['n-head', 1], ['n-embd', 1], ['n-embd2', 1], ['seed', 0], ['batch-size', 1], ['top-k', -1], ['max-steps', -1]];
  for (const [flag, min] of ints) {
    if (v[flag] === undefined) continue;
    const n = intFlag(v, flag, 0, min);
    if (flag === 'top-k' && n === 0) throw new UsageError("--top-k must be -1 (no top-k) or a whole number >= 1, got '0'");
    (given as Record<string, number>)[SETTING_FLAGS[flag]] = n;
  }
  for (const flag of ['learning-rate', 'weight-decay'] as const) {
    const x = numberFlag(v, flag, 0);
    if (x !== undefined) given[SETTING_FLAGS[flag]] = x;
  }
  return given;
}

interface Result {
  settings: ZooSettings;
  dataset: { words: number; maxWordLength: number; chars: string; train: number; test: number; vocabSize: number; blockSize: number };
  params: number;
  resumedAt?: number;
  log: { step: number; loss: number; ms: number }[];
  evals: { step: number; train: number; test: number }[];
  samples: ({ step: number } & Samples)[];
  best?: { step: number; testLoss: number; path: string };
  state?: { step: number; path: string };
  interrupted?: string;
}

export async function cmdMakemore(args: string[]): Promise<void> {
  try {
    await makemore(args);
  } catch (e) {
    const oom = outOfMemoryMessage(e, 'use a smaller --n-embd, --n-embd2, --n-layer or --batch-size, or less data');
    if (oom) throw new UserError(oom);
    throw e;
  }
}

async function makemore(args: string[]): Promise<void> {
  const v = parse(args, OPTIONS, 'makemore');
  if (v.help) { out(MAKEMORE_HELP); return; }
  const json = !!v.json;
  const human = json ? process.stderr : process.stdout;
  const say = (line = '') => { human.write(line + '\n'); };
  const given = givenSettings(v);
  intFlag(v, 'num-workers', 4, 0);
  if (v.device !== undefined && v.device !== 'cpu') throw new UsageError(`--device ${v.device}: wasmgrad runs on the CPU (WebAssembly); drop --device or pass --device cpu`);
  const inputFile = (v['input-file'] as string | undefined) ?? 'names.txt';
  const workDir = (v['work-dir'] as string | undefined) ?? 'out';
  const modelPath = join(workDir, 'model.safetensors'), statePath = join(workDir, 'resume.safetensors');
  const torchPath = join(workDir, 'model.pt'); // makemore.py's own file: read when model.safetensors is missing, written beside it
  const sampleOnly = !!v['sample-only'], resume = !!v.resume, overwrite = !!v.overwrite;
  if (overwrite && (resume || sampleOnly)) throw new UsageError(`--overwrite starts a new run; it does not go with --${resume ? 'resume' : 'sample-only'}`);

  // Everything that can be checked is checked before the work starts: the saved files first.
  const info = await initFrom(v);
  let saved: SavedState | null = null, weights: (ModelFile & { path: string }) | null = null;
  if (sampleOnly) {
    weights = await readModel(modelPath, workDir);
  } else if (resume) {
    if (await exists(statePath)) saved = decodeState(await readCheckpointFile(statePath, FILE_FIX), statePath);
    else if (await exists(modelPath) || await exists(torchPath)) weights = await readModel(modelPath, workDir);
    else throw new UserError(`--resume: ${workDir} has no saved run (resume.safetensors) or model (model.safetensors or makemore.py's model.pt); train one first, or pass its --work-dir`);
  }
  // A new run in a work dir that holds another one would replace that run's files one by one
  // (resume.safetensors at once, model.safetensors at its first better evaluation): refused.
  if (!resume && !sampleOnly && !overwrite) {
    const other = [statePath, modelPath, torchPath].filter((p) => existsSync(p));
    if (other.length) {
      throw new UsageError(`--work-dir ${workDir} holds another run (${other.map((p) => basename(p)).join(', ').replace(/, ([^,]*)$/, ' and $1')}); continue it with --resume, choose another --work-dir, or pass --overwrite to replace it`);
    }
  }
  const base = saved?.settings ?? weights?.info?.settings;
  const settings = settingsFor(given, base ?? null, saved ? 'the saved run' : 'the saved model', !!saved);
  if (saved && !(settings.maxSteps === -1 || settings.maxSteps > saved.step)) {
    throw new UsageError(given.maxSteps === undefined
      ? `the saved run in ${workDir} has done its ${saved.step} steps (--max-steps ${saved.settings.maxSteps}); pass --max-steps above ${saved.step} (or -1) to train further`
      : `the saved run in ${workDir} is at step ${saved.step} already; pass --max-steps above ${saved.step} (or -1) to continue it`);
  }
  // The input, then the outputs: the work dir is made (and its files claimed) only for a run
  // whose flags, saved files and data are all usable.
  ignoreClosedOutput();
  const signals = new Signals(note);
  signals.idle('stopped before training began; nothing was saved');
  const text = await readNames(inputFile, { download: v['input-file'] === undefined, log: note, flag: '--input-file' });
  const words = parseWords(text);
  if (saved) {
    if (!sameData(saved, words)) {
      throw new DataError(`${inputFile} is not the data the saved run in ${workDir} was trained on (${words.length} words, ${saved.data.words} then); pass that file with --input-file`);
    }
  }
  // A model decodes with the characters it was trained on: other ones (the same file in upper
  // case) would print other words without any error.
  const chars = vocabularyOf(words);
  const fileChars = saved?.chars ?? weights?.info?.chars;
  // Sampling a model of ours with no words file named: its own characters and sizes, the
  // default file only sorting the samples into train, test and new.
  let ownVocabulary = false;
  if (fileChars && fileChars.join('') !== chars.join('')) {
    const show = (c: string[]) => `'${escapeControls(c.join('')).slice(0, 60)}${c.join('').length > 60 ? '…' : ''}' (${c.length})`;
    if (!(sampleOnly && weights?.info && v['input-file'] === undefined)) {
      throw new DataError(`${inputFile} has other characters, ${show(chars)}, than the ${saved ? 'run' : 'model'} in ${workDir} was trained on, ${show(fileChars)}; pass the words file it was trained on with --input-file`);
    }
    ownVocabulary = true;
    note(`note: ${inputFile} has other characters, ${show(chars)}, than the model, ${show(fileChars)}: sampling with the model's own (pass --input-file to sort the samples against its data)`);
  }
  const vocabSize = (ownVocabulary ? fileChars!.length : chars.length) + 1;
  const problem = settingsProblem(settings, vocabSize, (k) => (k in given || !base ? flagOf(k) : `the saved ${flagOf(k).slice(2)}`));
  if (problem) throw new UsageError(problem);
  if (!sampleOnly) {
    await makeFolder(workDir, '--work-dir');
    const outputs = [{ flag: '--work-dir', path: modelPath }, { flag: '--work-dir', path: torchPath }, { flag: '--work-dir', path: statePath }];
    for (const o of outputs) await checkSaveTarget(o.path, o.flag);
    await claimOutputs(outputs, [{ flag: '--input-file', path: inputFile }]);
    // The old run goes whole, before the new one saves anything (its files are ours now: claimed).
    if (overwrite) for (const p of [statePath, modelPath, torchPath]) await unlink(p).catch((e) => { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UserError(`--overwrite: cannot delete ${p} (${(e as Error).message})`); });
  }

  let run: ZooRun;
  try {
    run = new ZooRun(text, settings, {
      resume: saved ?? undefined, weights: weights?.tensors, modelPath, eager: process.env.WASMGRAD_EAGER === '1', source: statePath,
      vocabulary: ownVocabulary ? { chars: weights!.info!.chars, config: weights!.info!.config } : undefined,
    });
  } catch (e) {
    // A state dict that does not fit the model these settings make (PyTorch's, or other flags').
    if (weights && /loadStateDict/.test((e as Error).message)) {
      throw new CheckpointError(`${weights.path === 'model.pt' ? torchPath : modelPath} does not fit a ${settings.type} with these sizes: ${(e as Error).message.replace(/^loadStateDict: /, '')}; pass the flags it was trained with (--type, --n-layer, --n-head, --n-embd, --n-embd2)`);
    }
    throw e;
  }
  note(`wasmgrad ${VERSION} makemore: build ${info.build}, node ${process.versions.node}`);
  say(pyDict({
    input_file: inputFile, work_dir: workDir, resume, sample_only: sampleOnly, num_workers: intFlag(v, 'num-workers', 4, 0),
    max_steps: settings.maxSteps, device: 'cpu', seed: settings.seed, top_k: settings.topK, type: settings.type,
    n_layer: settings.nLayer, n_head: settings.nHead, n_embd: settings.nEmbd, n_embd2: settings.nEmbd2,
    batch_size: settings.batchSize, learning_rate: settings.learningRate, weight_decay: settings.weightDecay,
  }));
  for (const line of run.header()) say(line);
  const d = run.data;
  const result: Result = {
    settings, params: run.model.parameters().reduce((n, p) => n + p.numel(), 0), log: [], evals: [], samples: [],
    dataset: { words: d.words.length, maxWordLength: d.maxWordLength, chars: d.chars.join(''), train: d.train.length, test: d.test.length, vocabSize: run.config.vocabSize, blockSize: run.config.blockSize },
  };
  if (resume || sampleOnly) say('resuming from existing model in the workdir');
  if (saved) { note(`continuing the saved run at step ${saved.step}`); result.resumedAt = saved.step; }
  else if (resume) note(`${workDir} has no resume.safetensors: starting at step 0 from ${weights?.path ?? 'model.safetensors'}'s weights, with a new optimizer (as makemore.py's --resume)`);
  if (sampleOnly) {
    signals.idle('stopped while sampling; the work dir is unchanged');
    const samples = run.sample(50);
    for (const line of sampleLines(samples)) say(line);
    result.samples.push({ step: run.step, ...samples });
    if (json) out(JSON.stringify(result));
    await signals.dispose();
    return;
  }

  const saveState = async (bytes: Uint8Array, step: number) => {
    await signals.saving(() => writeAtomic(statePath, bytes));
    result.state = { step, path: statePath };
  };
  signals.training();
  try {
    await run.train({
      print: say,
      saveBest: async (bytes, step, testLoss) => {
        const torchBytes = saveTorch(run.model.stateDict(), { archive: 'model' });
        await signals.saving(() => writeAtomic(modelPath, bytes));
        await signals.saving(() => writeAtomic(torchPath, torchBytes));
        result.best = { step, testLoss, path: modelPath };
      },
      saveState,
      shouldStop: () => signals.caught !== null,
      onStep: (step, loss, ms) => { if (step % 10 === 0) result.log.push({ step, loss, ms }); },
      onEval: (step, train, test) => result.evals.push({ step, train, test }),
      onSamples: (step, s) => result.samples.push({ step, ...s }),
    });
  } catch (e) {
    if (e instanceof DivergenceError) {
      throw new UserError(`${e.reason}: training diverged${result.best ? `; the best model so far (step ${result.best.step}) is in ${modelPath}` : ''}; train again with a lower --learning-rate`);
    }
    throw e;
  }
  signals.idle(`the run is saved in ${workDir}`);
  if (signals.caught) {
    note(`interrupted by ${signals.caught} at step ${run.step}: saved the run to ${statePath}; continue it with \`wasmgrad makemore --resume -o ${workDir}\``);
    result.interrupted = signals.caught;
    process.exitCode = signals.code;
  } else if (run.step > 0) {
    note(`saved the run at step ${run.step} to ${statePath}; continue it with \`wasmgrad makemore --resume -o ${workDir} --max-steps N\``);
  }
  if (json) out(JSON.stringify(result));
  await signals.dispose();
}

/**
 * The run's settings: makemore.py's defaults, then the saved run's (all of them) or the saved
 * model's (its type and sizes), then the flags. Resuming a run, flags that would change its
 * model, data split or stream are errors (its numbers could not continue); starting from or
 * sampling a saved model, flags that change its shape are.
 */
function settingsFor(given: Partial<ZooSettings>, base: ZooSettings | null, what: string, run: boolean): ZooSettings {
  if (!base) return { ...MAKEMORE_DEFAULTS, ...given };
  const fixed: (keyof ZooSettings)[] = run ? ['type', 'nLayer', 'nHead', 'nEmbd', 'nEmbd2', 'seed', 'batchSize', 'learningRate', 'weightDecay'] : ['type', 'nLayer', 'nHead', 'nEmbd', 'nEmbd2'];
  for (const k of fixed) {
    if (given[k] !== undefined && given[k] !== base[k]) {
      throw new UsageError(`${flagOf(k)} ${given[k]} does not match ${what}'s ${base[k]}; drop it (the saved value is used)${run ? ', or start a new run in another --work-dir' : ''}`);
    }
  }
  // A saved run keeps its settings, its step target unless given one, and samples with the
  // command line's top-k. A saved model gives only its shape: everything else is the command
  // line's, as makemore.py's --resume and --sample-only take every flag from it.
  if (run) return { ...base, topK: given.topK ?? base.topK, maxSteps: given.maxSteps ?? base.maxSteps };
  const { type, nLayer, nHead, nEmbd, nEmbd2 } = base;
  return { ...MAKEMORE_DEFAULTS, type, nLayer, nHead, nEmbd, nEmbd2, ...given };
}

/** What to do about a work dir file that cannot be read. */
const FILE_FIX = 'pass the --work-dir of a `wasmgrad makemore` run (it saves model.safetensors and resume.safetensors there)';

async function exists(path: string): Promise<boolean> {
  return !!(await stat(path).catch(() => null));
}

/** model.safetensors, else makemore.py's model.pt beside it; `path` says which was read. */
async function readModel(path: string, workDir: string): Promise<ModelFile & { path: string }> {
  const pt = join(workDir, 'model.pt');
  if (!(await exists(path)) && await exists(pt)) return { ...decodeTorchModel(await readCheckpointFile(pt, FILE_FIX), pt, note), path: 'model.pt' };
  if (!(await exists(path))) throw new UserError(`${workDir} has no model.safetensors to sample from (nor makemore.py's model.pt); train one first (it is saved at each evaluation, every 500 steps), or pass its --work-dir`);
  return { ...decodeModel(await readCheckpointFile(path, FILE_FIX), path), path: 'model.safetensors' };
}
