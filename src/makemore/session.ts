// One training run of the notebook's model, the one place a run is orchestrated: names text ->
// splits -> MLP seeded from one Generator (or a checkpoint's weights and generator, to resume)
// -> training in chunks (divergence stops it) -> checkpoint bytes -> split losses, calibration,
// samples. The CLI, the benches and the page's worker all drive this object; any runtime can,
// in pieces (the page pauses and continues it). Leaves out: reading and writing files, printing
// and signals (the caller's); the checkpoint format (checkpoint.ts).
import { Generator, tensor, type Tensor } from '../index.ts';
import { makeSplits, parseNames, DataError, type Dataset, type Splits } from './data.ts';
import { MLP, type ModelConfig } from './model.ts';
import { train, lrAt, type Schedule } from './train.ts';
import { DivergenceCheck, DivergenceError, divergenceWindow } from './divergence.ts';
import { encodeCheckpoint, loadInto, CheckpointError, type Checkpoint } from './checkpoint.ts';
import { LossCurve } from './loss_curve.ts';
import { checkDataFits } from './limits.ts';

export interface RunConfig {
  steps: number;
  batchSize: number;
  blockSize: number;
  nEmbed: number;
  nHidden: number;
  seed: number;
  lr: number;
  /** First step at lrAfter; default steps / 2 (rounded down), as the CLI. */
  decayAt?: number;
  lrAfter: number;
  /** The notebook's batch norm (default true); false is the plain MLP of its first cells. */
  batchnorm?: boolean;
}

/** The notebook's settings (and the CLI's defaults). */
export const NOTEBOOK: Readonly<RunConfig> = {
  steps: 200000, batchSize: 32, blockSize: 3, nEmbed: 10, nHidden: 200, seed: 42, lr: 0.1, lrAfter: 0.01,
};

/** A setting out of range, or one that contradicts a checkpoint; the message says what to do. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type IntKey = 'steps' | 'batchSize' | 'blockSize' | 'nEmbed' | 'nHidden' | 'seed' | 'decayAt';

/**
 * What each whole-number setting may be: [label, min, max]. Sizes have no maximum here: what
 * fits is what wasm memory holds, which limits.ts works out from the sizes and the data.
 */
export const LIMITS: Record<IntKey, [string, number, number]> = {
  steps: ['steps', 0, Infinity],
  batchSize: ['batch size', 1, Infinity],
  blockSize: ['block size', 1, Infinity],
  nEmbed: ['embedding size', 1, Infinity],
  nHidden: ['hidden units', 1, Infinity],
  seed: ['seed', 0, 0xffffffff],
  decayAt: ['learning-rate decay step', 0, Infinity],
};

/** How a caller names each setting in its messages (the CLI: '--hidden'); default the key. */
export type Labels = Partial<Record<keyof RunConfig, string>>;

/** Throws a ConfigError for the first setting that is not a whole number in its range. */
export function checkConfig(c: RunConfig, labels: Labels = {}): void {
  for (const [key, [label, min, max]] of Object.entries(LIMITS)) {
    const v = c[key as IntKey];
    if (key === 'decayAt' && v === undefined) continue;
    if (!Number.isSafeInteger(v) || v! < min || v! > max) {
      const name = labels[key as IntKey] ?? label;
      const range = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`;
      throw new ConfigError(`${name} must be a whole number ${range}, got ${v === undefined || Number.isNaN(v) ? 'nothing' : v}`);
    }
  }
  for (const key of ['lr', 'lrAfter'] as const) {
    const name = labels[key] ?? (key === 'lr' ? 'learning rate' : 'learning rate after the decay');
    if (!Number.isFinite(c[key]) || c[key] <= 0) throw new ConfigError(`${name} must be a positive number, got ${c[key]}`);
  }
  if (c.steps > 0 && c.batchnorm !== false && c.batchSize < 2) {
    const name = labels.batchSize ?? 'batch size';
    throw new ConfigError(`${name} ${c.batchSize}: batch norm needs at least 2 rows per step; use ${name} 2 or more, or ${labels.batchnorm ?? 'no batch norm'}`);
  }
}

/**
 * The settings a checkpoint's run was made with (its target step included). Throws
 * CheckpointError for a file that cannot continue training (weights only, no generator state).
 */
export function savedConfig(ckpt: Checkpoint): Required<RunConfig> {
  const t = ckpt.training, c = ckpt.config;
  if (!t.generator) throw new CheckpointError('this file holds weights only (no generator state), so training cannot continue exactly from it');
  return {
    steps: t.steps, batchSize: t.batchSize, blockSize: c.blockSize, nEmbed: c.nEmbed, nHidden: c.nHidden, seed: t.seed,
    lr: t.schedule.lr, decayAt: t.schedule.decayAt, lrAfter: t.schedule.lrAfter, batchnorm: c.batchnorm,
  };
}

/**
 * The settings to resume `ckpt` with: the checkpoint's own (sizes, seed, batch size, schedule,
 * and its target step unless `given.steps` extends it), with `given` (the settings the caller
 * was explicitly asked for) checked against them. A size or seed that differs is a ConfigError
 * (the weights cannot change shape, the data split is the seed's); a batch size or learning
 * rate that differs overrides the checkpoint's and comes back as a note to show the user.
 */
export function resumeConfig(ckpt: Checkpoint, given: Partial<RunConfig>, labels: Labels = {}): { config: RunConfig; notes: string[] } {
  const t = ckpt.training;
  const saved = savedConfig(ckpt);
  const name = (k: keyof RunConfig) => labels[k] ?? k;
  if (given.batchnorm !== undefined && given.batchnorm !== saved.batchnorm) {
    throw new ConfigError(`the checkpoint's model ${saved.batchnorm ? 'has' : 'has no'} batch norm; drop ${name('batchnorm')}`);
  }
  for (const k of ['blockSize', 'nEmbed', 'nHidden', 'seed'] as const) {
    if (given[k] !== undefined && given[k] !== saved[k]) {
      throw new ConfigError(`${name(k)} ${given[k]} does not match the checkpoint's ${saved[k]}; drop it to use the checkpoint's value`);
    }
  }
  const config: RunConfig = { ...saved };
  const notes: string[] = [];
  for (const k of ['batchSize', 'lr', 'decayAt', 'lrAfter'] as const) {
    if (given[k] !== undefined && given[k] !== saved[k]) {
      config[k] = given[k];
      notes.push(`${name(k)} ${given[k]} overrides the checkpoint's ${saved[k]}: the run will differ from an uninterrupted one`);
    }
  }
  if (given.steps !== undefined) config.steps = given.steps;
  if (config.steps <= t.step) {
    throw new ConfigError(given.steps === undefined
      ? `the checkpoint has finished its ${t.steps} steps; pass ${name('steps')} above ${t.step} to train further`
      : `the checkpoint is already at step ${t.step}; pass ${name('steps')} above that to continue`);
  }
  if (given.decayAt === undefined && config.steps !== t.steps && Math.floor(config.steps / 2) !== saved.decayAt) {
    notes.push(`keeping the checkpoint's learning-rate schedule (${config.lr} before step ${saved.decayAt}, then ${config.lrAfter}), ` +
      `not one for ${config.steps} steps; pass ${name('decayAt')} to move the decay`);
  }
  return { config, notes };
}

/** Throws DataError unless `itos` (from the names data) is the checkpoint's vocabulary. */
export function checkVocab(ckpt: Checkpoint, itos: readonly string[]): void {
  if (ckpt.itos.join('') !== itos.join('')) {
    throw new DataError(`the model's characters (${ckpt.itos.join('')}) differ from these names' (${itos.join('')}); use the names it was trained on`);
  }
}

/** A split's contexts and targets as int32 tensors kept in persistent memory. */
export const datasetTensors = (d: Dataset, blockSize: number): { X: Tensor; Y: Tensor } => ({
  X: tensor(d.X, { dtype: 'int32', shape: [d.n, blockSize] }).keep(),
  Y: tensor(d.Y, { dtype: 'int32', shape: [d.n] }).keep(),
});

/** The checkpoint's model, with its weights and running statistics. Needs init() first. */
export function modelFromCheckpoint(ckpt: Checkpoint): MLP {
  const model = new MLP(ckpt.config, new Generator().manualSeed(ckpt.training.seed));
  loadInto(model, ckpt);
  return model;
}

/**
 * The notebook's split_loss: mean cross-entropy over a whole split, reported as the float32 that
 * PyTorch's loss.item() returns. NOTE: we sum the float32 chunk losses in float64, PyTorch sums in
 * float32 in another order; rounded to float32 the two agree (the notebook's 3.2980921268463135
 * at init, 2.0680298805236816 after training), and past float32's 7 digits neither means anything.
 */
export function splitLoss(model: MLP, t: { X: Tensor; Y: Tensor }, stats?: { mean: Tensor; std: Tensor }, onRows?: (done: number) => void): number {
  return Math.fround(model.splitLoss(t.X, t.Y, stats, undefined, onRows));
}

/** The most names one call samples. */
export const MAX_SAMPLES = 1000;

/** Throws ConfigError unless `count` names from a generator seeded with `seed` at `temperature` can be sampled. */
export function checkSampling(count: number, seed: number, temperature: number): void {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SAMPLES) throw new ConfigError(`the number of names must be a whole number from 1 to ${MAX_SAMPLES}, got ${count}`);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ConfigError(`the sampling seed must be a whole number from 0 to ${0xffffffff}, got ${seed}`);
  if (!Number.isFinite(temperature) || temperature <= 0) throw new ConfigError(`the temperature must be a positive number, got ${temperature}`);
}

/** `count` names from `model`, decoded with `itos`, from a generator seeded with `seed` (the notebook's sampling cell). */
export function sampleNames(model: MLP, itos: readonly string[], count: number, seed: number, temperature = 1): string[] {
  checkSampling(count, seed, temperature);
  return model.sample(new Generator().manualSeed(seed), count, undefined, temperature).map((s) => s.map((i) => itos[i]).join(''));
}

export interface ChunkOptions {
  /**
   * Called every `progressEvery` steps with (steps done, last loss, log10 losses since the last
   * call). A returned promise is awaited before the next step (a consumer that falls behind holds the run back).
   */
  onProgress?: (step: number, loss: number, lossi: number[]) => void | Promise<void>;
  progressEvery?: number;
  onLog?: (step: number, loss: number) => void;
  logEvery?: number;
  /** Checked between steps: true pauses the run (run() again to continue). */
  shouldStop?: () => boolean;
}

export interface SessionOptions {
  /** Continue this checkpoint's run (its weights, step and generator); `config` from resumeConfig(). */
  resume?: Checkpoint;
  /** Every op through the autograd engine instead of the compiled step (same numbers). */
  eager?: boolean;
  /** Keep every step's log10 loss in `lossi` (default true); a long run without it keeps only `curve`. */
  keepLosses?: boolean;
}

type Losses = { train: number; val: number; test: number };

/**
 * @example
 *   await init();
 *   const s = new Session(namesText, { ...NOTEBOOK, steps: 5000 });
 *   await s.run({ onLog: (i, loss) => console.log(i, loss) });
 *   s.splitLosses();          // { train, val, test }
 *   s.sample(20);             // names, as the CLI prints them
 *   const bytes = s.checkpoint();   // safetensors; later: Session.fromCheckpoint(text, decodeCheckpoint(bytes))
 */
export class Session {
  readonly config: RunConfig & { decayAt: number };
  readonly data: Splits;
  readonly model: MLP;
  /** The generator of the init and the minibatches (the CLI's). */
  readonly generator: Generator;
  readonly tensors: Record<'train' | 'val' | 'test', { X: Tensor; Y: Tensor }>;
  /** The step this session started from (the checkpoint's when resuming), and the steps done so far. */
  readonly startStep: number;
  step: number;
  /** [step, loss] at every logged step. */
  readonly log: [number, number][] = [];
  /** log10(loss) of every step trained here (empty with keepLosses: false). */
  readonly lossi: number[] = [];
  /** The same curve in bounded memory, whatever the run's length (the plot and the terminal chart). */
  readonly curve: LossCurve;
  /** Seconds spent training. */
  seconds = 0;
  /** With init({ threads }): how many steps ran on the threads (the rest ran on one, which was faster then). */
  threadedSteps = 0;
  /** Set once training has diverged: the run is over and is not to be saved. */
  diverged: DivergenceError | null = null;
  private readonly divergence: DivergenceCheck;
  private readonly eager: boolean;
  private readonly keepLosses: boolean;

  /** Throws DataError for bad names text, ConfigError for bad settings, MemoryLimitError for a run too big. Needs init() first. */
  constructor(text: string, config: RunConfig, opts: SessionOptions = {}) {
    checkConfig(config);
    const batchnorm = config.batchnorm ?? true;
    this.config = { ...config, decayAt: config.decayAt ?? Math.floor(config.steps / 2), batchnorm };
    const { blockSize, nEmbed, nHidden, seed, batchSize } = this.config;
    const ckpt = opts.resume;
    if (ckpt) {
      const c = ckpt.config;
      if (c.blockSize !== blockSize || c.nEmbed !== nEmbed || c.nHidden !== nHidden || c.batchnorm !== batchnorm || ckpt.training.seed !== seed) {
        throw new ConfigError('the settings differ from the checkpoint\'s sizes or seed; make them with resumeConfig()');
      }
      savedConfig(ckpt); // throws for a weights-only file
    }
    // Whether the run fits in wasm memory, from the text's size, before anything is allocated.
    const trains = this.config.steps > (ckpt?.training.step ?? 0);
    const words = parseNames(text); // once: a second parse would add its garbage to the run's peak memory
    checkDataFits(words, { blockSize, nEmbed, nHidden, batchnorm, batchSize: trains ? batchSize : 0 }, ckpt ? "the checkpoint's sizes with this data" : 'these sizes');
    this.data = makeSplits(words, { blockSize, seed });
    if (ckpt) checkVocab(ckpt, this.data.vocab.itos);
    if (trains && this.data.train.n < batchSize) {
      throw new DataError(`the train split has ${this.data.train.n} examples, fewer than the batch size ${batchSize}; use a smaller batch or more names`);
    }
    this.tensors = { train: datasetTensors(this.data.train, blockSize), val: datasetTensors(this.data.val, blockSize), test: datasetTensors(this.data.test, blockSize) };
    this.generator = new Generator().manualSeed(seed);
    this.model = new MLP({ vocabSize: this.data.vocab.itos.length, blockSize, nEmbed, nHidden, batchnorm }, this.generator);
    if (ckpt) { loadInto(this.model, ckpt); this.generator.setState(ckpt.training.generator!); }
    this.startStep = this.step = ckpt?.training.step ?? 0;
    this.curve = new LossCurve(this.startStep, LossCurve.groupFor(this.config.steps - this.startStep));
    this.divergence = new DivergenceCheck(this.data.vocab.itos.length, divergenceWindow(this.config.steps));
    this.eager = !!opts.eager;
    this.keepLosses = opts.keepLosses ?? true;
  }

  /**
   * The run a checkpoint was saved from, with its own settings, on the same names text:
   * continuing it gives the numbers of a run that never stopped (a finished one can still be
   * evaluated and sampled). Throws CheckpointError if the file cannot continue training,
   * DataError if `text` is not the data it was trained on. resumeConfig() makes settings that
   * change some of the checkpoint's (a new step count, another learning rate).
   */
  static fromCheckpoint(text: string, ckpt: Checkpoint, opts: Omit<SessionOptions, 'resume'> = {}): Session {
    return new Session(text, savedConfig(ckpt), { ...opts, resume: ckpt });
  }

  get done(): boolean { return this.step >= this.config.steps; }

  get schedule(): Schedule { return { lr: this.config.lr, decayAt: this.config.decayAt, lrAfter: this.config.lrAfter }; }

  /** The learning rate of the next step. */
  get lr(): number { return lrAt(this.schedule, this.step); }

  /**
   * Trains from the current step until the last one or until shouldStop() says so. Results are
   * bit-identical however the run is cut into pieces (SGD keeps no state, the generator does).
   * Throws DivergenceError (and the session stays diverged) when the loss blows up.
   */
  async run(opts: ChunkOptions = {}): Promise<void> {
    if (this.diverged) throw this.diverged;
    if (this.done) return;
    // train() appends each step's log10 loss to `sink` as it goes (so lossi is current at every
    // step); each progress call hands on what came since the last one.
    const sink = this.keepLosses ? this.lossi : [];
    let from = sink.length;
    let last = NaN;
    const flush = (i: number) => {
      this.step = i;
      const batch = sink.slice(from);
      if (this.keepLosses) from = sink.length; else { sink.length = 0; from = 0; }
      for (let k = 0; k < batch.length; k++) this.curve.add(batch[k]); // (an index loop: this runs unoptimised, where for-of allocates per element)
      return opts.onProgress?.(i, last, batch);
    };
    const logEvery = opts.logEvery ?? 10000;
    try {
      const r = await train(this.model, this.tensors.train.X, this.tensors.train.Y, this.generator, {
        steps: this.config.steps, batchSize: this.config.batchSize, schedule: this.schedule, startStep: this.step,
        logEvery, progressEvery: opts.progressEvery, shouldStop: opts.shouldStop, eager: this.eager,
        lossi: sink, divergence: this.divergence,
        onLog: (i, loss) => { this.log.push([i, loss]); opts.onLog?.(i, loss); },
        onProgress: (i, loss) => { last = loss; return flush(i); },
      });
      this.seconds += r.seconds;
      this.threadedSteps += r.threadedSteps ?? 0;
      if (sink.length > from || this.step !== r.stepReached) {
        last = r.lastLoss;
        await flush(r.stepReached);
      }
    } catch (e) {
      if (e instanceof DivergenceError) this.diverged = e;
      throw e;
    }
  }

  /** The run so far as checkpoint bytes (safetensors): weights, settings, step and generator. */
  checkpoint(): Uint8Array {
    if (this.diverged) throw new ConfigError(`training diverged at step ${this.diverged.step}; there is nothing worth saving`);
    return encodeCheckpoint(this.model, this.data.vocab.itos, {
      seed: this.config.seed, batchSize: this.config.batchSize, schedule: this.schedule, step: this.step, steps: this.config.steps,
      generator: this.generator.getState(),
    });
  }

  /** The notebook's split_loss on one split, with the running (or given) batch-norm statistics. */
  splitLoss(split: 'train' | 'val' | 'test', stats?: { mean: Tensor; std: Tensor }, onRows?: (done: number) => void): number {
    return splitLoss(this.model, this.tensors[split], stats, onRows);
  }

  /**
   * The notebook's split_loss on each split, with the running batch-norm statistics.
   * `onRows(done, total)` hears after each chunk how many of all three splits' rows are done.
   */
  splitLosses(onRows?: (done: number, total: number) => void): Losses {
    const d = this.data, total = d.train.n + d.val.n + d.test.n;
    const at = (before: number) => onRows && ((done: number) => onRows(before + done, total));
    return { train: this.splitLoss('train', undefined, at(0)), val: this.splitLoss('val', undefined, at(d.train.n)), test: this.splitLoss('test', undefined, at(d.train.n + d.val.n)) };
  }

  /**
   * The notebook's calibration cell: batch-norm statistics over the whole train split, and the
   * split losses with them. Needs batch norm.
   */
  calibratedLosses(): Losses {
    if (!this.config.batchnorm) throw new ConfigError('calibration needs a model with batch norm');
    const stats = this.model.calibrate(this.tensors.train.X);
    return { train: this.splitLoss('train', stats), val: this.splitLoss('val', stats), test: this.splitLoss('test', stats) };
  }

  /** `count` names from the model, drawn from a generator seeded with `seed` (default the run's, as the CLI). */
  sample(count: number, seed = this.config.seed, temperature = 1): string[] {
    return sampleNames(this.model, this.data.vocab.itos, count, seed, temperature);
  }
}
