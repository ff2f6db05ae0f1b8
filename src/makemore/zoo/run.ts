// One makemore.py run, orchestrated as makemore.py's __main__ does it, with its numbers: seed ->
// datasets -> model (PyTorch's init) -> AdamW -> InfiniteDataLoader -> training steps (compiled),
// with the loss every 10 steps, evaluation and a save of the best model every 500, samples every
// 200; and, beyond makemore.py, an exact resume (the state after any completed step) and a stop
// between steps. It prints through a callback and saves through one: no Node APIs here (the CLI
// reads and writes the files and catches the signals).
import { manualSeed, defaultGenerator, optim, type Generator, compile, noGrad, zeros, cat, multinomial, type Tensor } from '../../index.ts';
import { createDatasets, parseWords, vocabularyOf, InfiniteDataLoader, evalBatches, meanAsTorch, datasetSummary, type CharDataset, type Datasets } from './data.ts';
import { createModel, numParams, type LanguageModel, type ModelType } from './models.ts';
import { Transformer } from './transformer.ts';
import type { ModelConfig } from './config.ts';
import { pyFixed, pyFloat } from './format.ts';
import { encodeModel, encodeState, sameData, type SavedState } from './checkpoint.ts';
import { CheckpointError } from '../checkpoint.ts';
import { DataError } from '../data.ts';
import { escapeControls } from '../text.ts';
import { DivergenceCheck, divergenceWindow } from '../divergence.ts';
import { yieldToEventLoop, YIELD_MS } from '../train.ts';

/** makemore.py's command-line settings that shape a run (its names, camelCased). */
export interface ZooSettings {
  type: ModelType;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  nEmbd2: number;
  seed: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  /** Top-k for sampling, -1 for none. */
  topK: number;
  /** Steps to train to (counted from the start of the run, across resumes), -1 for no end. */
  maxSteps: number;
}

/** makemore.py's defaults. */
/** makemore.py's evaluation every 500 steps: evaluate(model, dataset, batch_size=100, max_batches=10), up to 11 batches. */
export const EVAL = { batchSize: 100, maxBatches: 10 } as const;

export const MAKEMORE_DEFAULTS: Readonly<ZooSettings> = {
  type: 'transformer', nLayer: 4, nHead: 4, nEmbd: 64, nEmbd2: 64, seed: 3407, batchSize: 32,
  learningRate: 5e-4, weightDecay: 0.01, topK: -1, maxSteps: -1,
};

export interface Samples { train: string[]; test: string[]; new: string[] }

export interface TrainEvents {
  /** A line makemore.py prints (step losses, evaluations, samples, saves). */
  print(line: string): void;
  /** Writes the best model so far (model.safetensors bytes); awaited before training goes on. Without it nothing is encoded. */
  saveBest?(bytes: Uint8Array, step: number, testLoss: number): Promise<void>;
  /** Writes the state to resume from (after an evaluation step, and when training stops). Without it nothing is encoded. */
  saveState?(bytes: Uint8Array, step: number): Promise<void>;
  /** Checked between steps: true stops training (the state is saved first). */
  shouldStop?(): boolean;
  /** Each step's loss and time (for progress and --json). */
  onStep?(step: number, loss: number, ms: number): void;
  onEval?(step: number, trainLoss: number, testLoss: number): void;
  onSamples?(step: number, samples: Samples): void;
}

/** What makemore.py's `model_path` messages name; the CLI passes the work dir's file. */
export interface RunOptions {
  /** Resume from this state (weights, AdamW moments, generators, step). */
  resume?: SavedState;
  /** Start from these weights (makemore.py's --resume / --sample-only on a plain model file). */
  weights?: Record<string, Tensor>;
  /** Every step through the autograd engine instead of a compiled step (the same numbers). */
  eager?: boolean;
  /** The path saves are announced with ("saving model to ..."). */
  modelPath?: string;
  /** The resume file's name, for errors about its contents ('resume file'). */
  source?: string;
  /**
   * With `weights`: the saved model's own characters and sizes, to sample with them when the
   * words (which only sort the samples into train, test and new) have other characters.
   */
  vocabulary?: { chars: string[]; config: ModelConfig };
}

export class ZooRun {
  readonly settings: ZooSettings;
  readonly data: Datasets;
  readonly config: ModelConfig;
  /** The characters the model reads and writes: the data's, or a sampled model's own (RunOptions.vocabulary). */
  readonly chars: readonly string[];
  readonly model: LanguageModel;
  /** The step the next training step is (steps done so far). */
  step = 0;
  /** The lowest test loss evaluated so far (what makes a model the best one). */
  bestLoss: number | null = null;
  private optimizer: optim.AdamW | null = null;
  private loader: InfiniteDataLoader | null = null;
  private stepFn: ((X: Tensor, Y: Tensor) => Tensor) | null = null;
  private readonly eager: boolean;
  private readonly modelPath: string;
  /** The seed of the last evaluation's batch order (saved with the model, so it can be checked in PyTorch). */
  private lastEvalSeed = 0n;
  private readonly divergence: DivergenceCheck;

  /**
   * Seeds the default generator, makes the datasets and the model as makemore.py does (the same
   * random streams), and loads weights or a resume state if given. Needs init() first.
   */
  constructor(text: string, settings: ZooSettings, opts: RunOptions = {}) {
    this.settings = { ...settings };
    this.eager = !!opts.eager;
    this.modelPath = opts.modelPath ?? 'model.safetensors';
    manualSeed(settings.seed);
    this.data = createDatasets(text);
    if (opts.vocabulary && (!opts.weights || opts.resume)) throw new Error('ZooRun: a vocabulary of its own goes with weights only (a model to sample), not a run to train');
    this.config = opts.vocabulary?.config ?? {
      vocabSize: this.data.train.getVocabSize(), blockSize: this.data.train.getOutputLength(),
      nLayer: settings.nLayer, nHead: settings.nHead, nEmbd: settings.nEmbd, nEmbd2: settings.nEmbd2,
    };
    this.chars = opts.vocabulary?.chars ?? this.data.chars;
    this.model = createModel(settings.type, this.config);
    this.divergence = new DivergenceCheck(this.config.vocabSize, divergenceWindow(settings.maxSteps));
    if (opts.resume) {
      const r = opts.resume;
      try {
        // A file whose parts do not fit this model, each other or this data was edited or damaged:
        // whatever refuses it (a shape, the optimizer's groups, the batches' state) says so as that.
        if (!(r.bestLoss === null || Number.isFinite(r.bestLoss))) throw new Error(`its best loss is ${JSON.stringify(r.bestLoss)}, not a number`);
        this.model.loadStateDict(r.model);
        this.startTraining();
        this.optimizer!.loadStateDict(r.optimizer);
        this.loader!.setState(r.loader);
        defaultGenerator().setState(r.generator);
      } catch (e) {
        if (e instanceof CheckpointError || e instanceof DataError) throw e;
        throw new CheckpointError(`${opts.source ?? 'the resume file'} is damaged: ${escapeControls((e as Error)?.message ?? String(e))}; use another copy, or start a new run`);
      }
      this.step = r.step;
      this.bestLoss = r.bestLoss;
    } else if (opts.weights) {
      this.model.loadStateDict(opts.weights);
    }
  }

  /**
   * Continues a saved run on `text`, with its own settings (`changes` may set how far it trains
   * and its sampling's top-k). Throws DataError if `text` is not the data it was trained on, and
   * CheckpointError if the file's parts do not fit together (an edited or damaged file).
   */
  static resume(text: string, saved: SavedState, changes: Partial<Pick<ZooSettings, 'maxSteps' | 'topK'>> = {}, opts: Omit<RunOptions, 'resume' | 'weights'> = {}): ZooRun {
    const words = parseWords(text);
    const what = opts.source ?? 'the resume file';
    if (!sameData(saved, words)) throw new DataError(`the words are not the data ${what} was trained on (${words.length} words, ${saved.data.words} then)`);
    if (vocabularyOf(words).join('') !== saved.chars.join('')) throw new CheckpointError(`${what} is damaged: its vocabulary is not its data's; use another copy, or start a new run`);
    return new ZooRun(text, { ...saved.settings, ...changes }, { ...opts, resume: saved });
  }

  /** What makemore.py prints before training: the dataset summary and the model's size. */
  header(): string[] {
    const lines = [...datasetSummary(this.data), `dataset determined that: vocab_size=${this.config.vocabSize}, block_size=${this.config.blockSize}`];
    if (this.model instanceof Transformer) lines.push(`number of parameters: ${pyFixed(this.model.numBodyParams() / 1e6, 2)}M`);
    lines.push(`model #params: ${numParams(this.model)}`);
    return lines;
  }

  get done(): boolean { return this.settings.maxSteps >= 0 && this.step >= this.settings.maxSteps; }

  /** The optimizer and the training batches, made on first use as makemore.py makes them after the model. */
  private startTraining(): void {
    if (this.optimizer) return;
    const s = this.settings;
    this.optimizer = new optim.AdamW(this.model.parameters(), { lr: s.learningRate, weightDecay: s.weightDecay, betas: [0.9, 0.99], eps: 1e-8 });
    this.loader = new InfiniteDataLoader(this.data.train, s.batchSize);
  }

  /** One training step on the next batch: forward, zero_grad(set_to_none), backward, AdamW. Returns the loss. */
  trainStep(): number {
    this.startTraining();
    const model = this.model, opt = this.optimizer!;
    this.stepFn ??= ((fn) => (this.eager ? fn : compile(fn)))((X: Tensor, Y: Tensor) => {
      const [, loss] = model.forward(X, Y);
      model.zeroGrad({ setToNone: true });
      loss!.backward();
      opt.step();
      return loss!;
    });
    const { X, Y } = this.loader!.next();
    const loss = this.stepFn(X, Y).item();
    this.step++;
    return loss;
  }

  /**
   * makemore.py's training loop from the current step until maxSteps (or shouldStop): prints
   * what it prints, saves the best model when the test loss improves, and saves the resume state
   * after every evaluation and when it stops. Throws divergence.ts's DivergenceError when the
   * loss stops being finite or stays far above a model that guesses (nothing is saved after it).
   */
  async train(ev: TrainEvents): Promise<void> {
    // Signals, timers and the page's messages get a turn at least every YIELD_MS: a Ctrl-C is
    // acted on after the step under way (and the evaluation or sampling it does), not at the next save.
    let nextYield = performance.now() + YIELD_MS;
    while (!this.done && !ev.shouldStop?.()) {
      if (performance.now() >= nextYield) {
        await yieldToEventLoop();
        nextYield = performance.now() + YIELD_MS;
        if (ev.shouldStop?.()) break;
      }
      const t0 = performance.now();
      const step = this.step;
      const loss = this.trainStep();
      const ms = performance.now() - t0;
      this.divergence.check(step, loss);
      ev.onStep?.(step, loss, ms);
      if (step % 10 === 0) ev.print(`step ${step} | loss ${pyFixed(loss, 4)} | step time ${pyFixed(ms, 2)}ms`);
      let evaluated = false;
      if (step > 0 && step % 500 === 0) {
        const trainLoss = this.evaluate(this.data.train, EVAL.batchSize, EVAL.maxBatches);
        const testLoss = this.evaluate(this.data.test, EVAL.batchSize, EVAL.maxBatches);
        const testSeed = this.lastEvalSeed;
        ev.onEval?.(step, trainLoss, testLoss);
        ev.print(`step ${step} train loss: ${pyFloat(trainLoss)} test loss: ${pyFloat(testLoss)}`);
        if (this.bestLoss === null || testLoss < this.bestLoss) {
          ev.print(`test loss ${pyFloat(testLoss)} is the best so far, saving model to ${this.modelPath}`);
          if (ev.saveBest) await ev.saveBest(this.modelBytes(step, { testLoss, seed: testSeed }), step, testLoss);
          this.bestLoss = testLoss;
        }
        evaluated = true;
      }
      if (step > 0 && step % 200 === 0) {
        const samples = this.sample(10);
        ev.onSamples?.(step, samples);
        for (const line of sampleLines(samples)) ev.print(line);
      }
      if (evaluated && ev.saveState) await ev.saveState(this.stateBytes(), this.step);
    }
    if (this.step > 0 && this.optimizer && ev.saveState) await ev.saveState(this.stateBytes(), this.step);
  }

  /**
   * makemore.py's evaluate(): the mean loss of up to maxBatches + 1 shuffled batches (the order
   * drawn from the default generator, as its DataLoader does), in eval mode, without gradients.
   */
  evaluate(dataset: CharDataset, batchSize = 50, maxBatches: number | null = null): number {
    this.model.eval();
    try {
      const { seed, batches } = evalBatches(dataset, batchSize, maxBatches);
      this.lastEvalSeed = seed;
      const losses = noGrad(() => batches.map((ix) => {
        const { X, Y } = dataset.batch(ix);
        return this.model.forward(X, Y)[1]!.item();
      }));
      return meanAsTorch(losses);
    } finally {
      this.model.train();
    }
  }

  /**
   * makemore.py's print_samples(num) without the printing: num words generated from <START>
   * (top-k from the settings), sorted into those in the train set, in the test set, and new.
   */
  sample(num: number): Samples {
    const topK = this.settings.topK !== -1 ? this.settings.topK : null;
    const out: Samples = { train: [], test: [], new: [] };
    const steps = this.config.blockSize - 1; // -1: the <START> token is already there
    for (const word of generateWords(this.model, this.chars, num, steps, { topK, doSample: true })) {
      if (this.data.train.contains(word)) out.train.push(word);
      else if (this.data.test.contains(word)) out.test.push(word);
      else out.new.push(word);
    }
    return out;
  }

  /**
   * model.safetensors: the model's state dict under PyTorch's names, and what it is in the
   * metadata (with the test loss it was saved for, and the seed of that evaluation's batches).
   */
  modelBytes(step = this.step, test: { testLoss: number; seed: bigint } | null = null): Uint8Array {
    return encodeModel(this.model, { settings: this.settings, config: this.config, chars: this.data.chars, step, test });
  }

  /** The state to resume from: weights, AdamW's moments, both generators, the step and the best loss. */
  stateBytes(): Uint8Array {
    this.startTraining();
    return encodeState({
      settings: this.settings, config: this.config, chars: this.data.chars, words: this.data.words,
      model: this.model.stateDict(), optimizer: this.optimizer!.stateDict(), loader: this.loader!.getState(),
      generator: defaultGenerator().getState(), step: this.step, bestLoss: this.bestLoss,
    });
  }
}

/** The lines print_samples prints. */
export function sampleLines(s: Samples): string[] {
  const lines = ['-'.repeat(80)];
  for (const [list, desc] of [[s.train, 'in train'], [s.test, 'in test'], [s.new, 'new']] as const) {
    lines.push(`${list.length} samples that are ${desc}:`, ...list);
  }
  lines.push('-'.repeat(80));
  return lines;
}

export interface GenerateOptions {
  temperature?: number;
  doSample?: boolean;
  topK?: number | null;
  /** Where sampling draws from (default: the default generator, as makemore.py). */
  generator?: Generator;
}

/**
 * makemore.py's generate(): completes each row of idx (int32 (b, t)) maxNewTokens times,
 * feeding the model's predictions back in, cropped to its block size; samples from the softmax
 * (on the default generator), optionally of the top k logits only, or takes the most likely.
 */
export function generate(model: LanguageModel, idx: Tensor, maxNewTokens: number, opts: GenerateOptions = {}): Tensor {
  const temperature = opts.temperature ?? 1.0, topK = opts.topK ?? null;
  const blockSize = model.getBlockSize();
  return noGrad(() => {
    for (let i = 0; i < maxNewTokens; i++) {
      // if the sequence context is growing too long we must crop it at block_size
      const t = idx.shape[1];
      const idxCond = t <= blockSize ? idx : idx.narrow(1, t - blockSize, blockSize);
      // forward the model to get the logits for the index in the sequence
      let [logits] = model.forward(idxCond);
      // pluck the logits at the final step and scale by desired temperature
      logits = logits.select(1, logits.shape[1] - 1).div(temperature);
      // optionally crop the logits to only the top k options
      if (topK !== null) {
        const { values } = logits.topk(topK);
        logits = logits.maskedFill(logits.lt(values.narrow(1, values.shape[1] - 1, 1)), -Infinity);
      }
      // apply softmax to convert logits to (normalized) probabilities
      const probs = logits.softmax(-1);
      // either sample from the distribution or take the most likely element
      const idxNext = opts.doSample ? multinomial(probs, 1, { generator: opts.generator }) : probs.topk(1).indices;
      // append sampled index to the running sequence and continue
      idx = cat([idx, idxNext], 1);
    }
    return idx;
  });
}

/**
 * num words from the model: each generated from <START> for `steps` tokens (makemore.py: the
 * longest word in the data), cut at the first <STOP>, decoded with the vocabulary `chars` (token
 * i is chars[i - 1]).
 */
export function generateWords(model: LanguageModel, chars: readonly string[], num: number, steps: number, opts: GenerateOptions = {}): string[] {
  const rows = generate(model, zeros([num, 1], { dtype: 'int32' }), steps, opts);
  const L = rows.shape[1], data = rows.toArray() as Int32Array;
  const words: string[] = [];
  for (let i = 0; i < num; i++) {
    const row = data.subarray(i * L + 1, (i + 1) * L); // crop the <START> token
    const stop = row.indexOf(0); // token 0 is <STOP>: crop there
    words.push(Array.from(stop === -1 ? row : row.subarray(0, stop), (t) => chars[t - 1]).join(''));
  }
  return words;
}

/**
 * What is wrong with these settings for a vocabulary of vocabSize tokens (beyond each number's
 * own range), or null; `label` names a setting as the caller's user knows it (a flag, a field).
 */
export function settingsProblem(s: ZooSettings, vocabSize: number, label: (k: keyof ZooSettings) => string): string | null {
  if (s.type === 'transformer' && s.nEmbd % s.nHead !== 0) {
    return `${label('nEmbd')} ${s.nEmbd} must be a multiple of ${label('nHead')} ${s.nHead} (each head gets n_embd / n_head channels)`;
  }
  if (s.topK > vocabSize) return `${label('topK')} ${s.topK} is more than the ${vocabSize} tokens of the vocabulary; use at most ${vocabSize}, or -1`;
  return null;
}
