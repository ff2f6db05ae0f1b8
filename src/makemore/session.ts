// One training run of the notebook's model as the CLI makes it (names text -> splits -> MLP
// seeded from one Generator -> train -> split losses -> samples), as an object any runtime can
// drive in pieces: the web page's worker pauses and resumes it, examples/deno.ts runs it through.
// Leaves out: reading files and printing (the caller's); the checkpoint format (checkpoint.ts).
import { Generator, tensor, type Tensor } from '../index.ts';
import { makeSplits, DataError, type Dataset, type Splits } from './data.ts';
import { MLP } from './model.ts';
import { train, lrAt, type Schedule } from './train.ts';
import { encodeCheckpoint, loadInto, CheckpointError, type Checkpoint } from './checkpoint.ts';

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
}

/** The notebook's settings (and the CLI's defaults). */
export const NOTEBOOK: Readonly<RunConfig> = {
  steps: 200000, batchSize: 32, blockSize: 3, nEmbed: 10, nHidden: 200, seed: 42, lr: 0.1, lrAfter: 0.01,
};

/** A setting out of range; the message names it and says what is allowed. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A run keeps every step's loss (for the chart), so its length is bounded: 5x the notebook's. */
export const MAX_STEPS = 1_000_000;

const LIMITS: Record<'steps' | 'batchSize' | 'blockSize' | 'nEmbed' | 'nHidden' | 'seed', [string, number, number]> = {
  steps: ['steps', 1, MAX_STEPS],
  batchSize: ['batch size', 1, 4096],
  blockSize: ['block size', 1, 64],
  nEmbed: ['embedding size', 1, 1024],
  nHidden: ['hidden units', 1, 4096],
  seed: ['seed', 0, 0xffffffff],
};

/** Throws a ConfigError for the first setting that is not a whole number in its range. */
export function checkConfig(c: RunConfig): void {
  for (const [key, [label, min, max]] of Object.entries(LIMITS)) {
    const v = c[key as keyof typeof LIMITS];
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      throw new ConfigError(`${label} must be a whole number from ${min} to ${max}, got ${Number.isNaN(v) ? 'nothing' : v}`);
    }
  }
  for (const key of ['lr', 'lrAfter'] as const) {
    if (!Number.isFinite(c[key]) || c[key] <= 0) throw new ConfigError(`${key === 'lr' ? 'learning rate' : 'learning rate after the decay'} must be a positive number, got ${c[key]}`);
  }
}

/** A split's contexts and targets as int32 tensors kept in persistent memory. */
export const datasetTensors = (d: Dataset, blockSize: number): { X: Tensor; Y: Tensor } => ({
  X: tensor(d.X, { dtype: 'int32', shape: [d.n, blockSize] }).keep(),
  Y: tensor(d.Y, { dtype: 'int32', shape: [d.n] }).keep(),
});

export interface ChunkOptions {
  /** Called every `progressEvery` steps with (steps done, last loss, log10 losses since the last call). */
  onProgress?: (step: number, loss: number, lossi: number[]) => void;
  progressEvery?: number;
  onLog?: (step: number, loss: number) => void;
  logEvery?: number;
  /** Checked between steps: true pauses the run (run() again to continue). */
  shouldStop?: () => boolean;
}

/**
 * @example
 *   await init();
 *   const s = new Session(namesText, { ...NOTEBOOK, steps: 5000 });
 *   await s.run({ onLog: (i, loss) => console.log(i, loss) });
 *   s.splitLosses();          // { train, val, test }
 *   s.sample(20);             // names, as the CLI prints them
 */
export class Session {
  readonly config: RunConfig & { decayAt: number };
  readonly data: Splits;
  readonly model: MLP;
  /** The generator of the init and the minibatches (the CLI's). */
  readonly generator: Generator;
  readonly tensors: Record<'train' | 'val' | 'test', { X: Tensor; Y: Tensor }>;
  /** Steps done so far. */
  step = 0;
  /** [step, loss] at every logged step; log10(loss) of every step. */
  readonly log: [number, number][] = [];
  readonly lossi: number[] = [];
  /** Seconds spent training. */
  seconds = 0;
  /** With init({ threads }): how many steps ran on the threads (the rest ran on one, which was faster then). */
  threadedSteps = 0;

  /** Throws DataError for bad names text, ConfigError for bad settings. Needs init() first. */
  constructor(text: string, config: RunConfig) {
    checkConfig(config);
    this.config = { ...config, decayAt: config.decayAt ?? Math.floor(config.steps / 2) };
    const { blockSize, nEmbed, nHidden, seed, batchSize } = this.config;
    this.data = makeSplits(text, { blockSize, seed });
    if (this.data.train.n < batchSize) {
      throw new DataError(`the train split has ${this.data.train.n} examples, fewer than the batch size ${batchSize}; use a smaller batch or more names`);
    }
    this.tensors = { train: datasetTensors(this.data.train, blockSize), val: datasetTensors(this.data.val, blockSize), test: datasetTensors(this.data.test, blockSize) };
    this.generator = new Generator().manualSeed(seed);
    this.model = new MLP({ vocabSize: this.data.vocab.itos.length, blockSize, nEmbed, nHidden, batchnorm: true }, this.generator);
  }

  get done(): boolean { return this.step >= this.config.steps; }

  get schedule(): Schedule { return { lr: this.config.lr, decayAt: this.config.decayAt, lrAfter: this.config.lrAfter }; }

  /** The learning rate of the next step. */
  get lr(): number { return lrAt(this.schedule, this.step); }

  /**
   * Trains from the current step until the last one or until shouldStop() says so. Results are
   * bit-identical however the run is cut into pieces (SGD keeps no state, the generator does).
   */
  async run(opts: ChunkOptions = {}): Promise<void> {
    if (this.done) return;
    const logEvery = opts.logEvery ?? 10000;
    let fresh: number[] = [];
    let last = NaN;
    const flush = (i: number) => {
      this.step = i;
      const batch = fresh;
      fresh = [];
      opts.onProgress?.(i, last, batch);
    };
    // train() logs every step here (logEvery 1) so that the live chart gets every step's loss.
    const r = await train(this.model, this.tensors.train.X, this.tensors.train.Y, this.generator, {
      steps: this.config.steps, batchSize: this.config.batchSize, schedule: this.schedule, startStep: this.step,
      logEvery: 1, progressEvery: opts.progressEvery, shouldStop: opts.shouldStop,
      onLog: (i, loss) => {
        last = loss;
        const l10 = Math.log10(loss);
        this.lossi.push(l10);
        fresh.push(l10);
        if (i % logEvery === 0) { this.log.push([i, loss]); opts.onLog?.(i, loss); }
      },
      onProgress: (i) => flush(i),
    });
    this.seconds += r.seconds;
    this.threadedSteps += r.threadedSteps ?? 0;
    if (fresh.length || this.step !== r.stepReached) flush(r.stepReached);
  }

  /**
   * The notebook's split_loss on each split, with the running batch-norm statistics.
   * `onRows(done, total)` hears after each chunk how many of all three splits' rows are done.
   */
  splitLosses(onRows?: (done: number, total: number) => void): { train: number; val: number; test: number } {
    const t = this.tensors, m = this.model, d = this.data;
    const total = d.train.n + d.val.n + d.test.n;
    const at = (before: number) => onRows && ((done: number) => onRows(before + done, total));
    return {
      train: m.splitLoss(t.train.X, t.train.Y, undefined, undefined, at(0)),
      val: m.splitLoss(t.val.X, t.val.Y, undefined, undefined, at(d.train.n)),
      test: m.splitLoss(t.test.X, t.test.Y, undefined, undefined, at(d.train.n + d.val.n)),
    };
  }

  /** `count` names from the model, drawn from a generator seeded with `seed` (default the run's, as the CLI). */
  sample(count: number, seed = this.config.seed, temperature = 1): string[] {
    return sampleNames(this.model, this.data.vocab.itos, count, seed, temperature);
  }

  /** The run as a checkpoint (the CLI's `--save` file, byte for byte): weights, settings, step and generator. */
  checkpoint(): Uint8Array {
    const c = this.config;
    return encodeCheckpoint(this.model, this.data.vocab.itos, {
      seed: c.seed, batchSize: c.batchSize, schedule: this.schedule, step: this.step, steps: c.steps, generator: this.generator.getState(),
    });
  }

  /**
   * The run a checkpoint was saved from, on the same names text: continuing it gives the numbers
   * of a run that never stopped. Throws CheckpointError if the file cannot continue training,
   * DataError if `text` is not the data it was trained on.
   */
  static fromCheckpoint(text: string, ckpt: Checkpoint): Session {
    const { config: c, training: t } = ckpt;
    if (!c.batchnorm) throw new CheckpointError('this model has no batch norm, and only the batch-norm MLP continues training here');
    if (!t.generator) throw new CheckpointError('this file holds weights only (no generator state), so training cannot continue exactly from it');
    const s = new Session(text, {
      steps: t.steps, batchSize: t.batchSize, blockSize: c.blockSize, nEmbed: c.nEmbed, nHidden: c.nHidden, seed: t.seed,
      lr: t.schedule.lr, decayAt: t.schedule.decayAt, lrAfter: t.schedule.lrAfter,
    });
    if (s.data.vocab.itos.join('') !== ckpt.itos.join('')) {
      throw new DataError(`the model's characters (${ckpt.itos.join('')}) differ from these names' (${s.data.vocab.itos.join('')}): continue it on the names it was trained on`);
    }
    loadInto(s.model, ckpt);
    s.generator.setState(t.generator);
    s.step = t.step;
    return s;
  }
}

/** `count` names from `model`, decoded with `itos`, from a generator seeded with `seed`. */
export function sampleNames(model: MLP, itos: readonly string[], count: number, seed: number, temperature = 1): string[] {
  if (!Number.isSafeInteger(count) || count < 1 || count > 1000) throw new ConfigError(`the number of names must be a whole number from 1 to 1000, got ${count}`);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ConfigError(`the sampling seed must be a whole number from 0 to ${0xffffffff}, got ${seed}`);
  if (!Number.isFinite(temperature) || temperature <= 0) throw new ConfigError(`the temperature must be a positive number, got ${temperature}`);
  return model.sample(new Generator().manualSeed(seed), count, undefined, temperature).map((s) => s.map((i) => itos[i]).join(''));
}
