// The runs the page's worker trains, behind one interface: the notebook's (a Session, the same
// run as `wasmgrad train`) and makemore.py's six models (a ZooRun, the same run as `wasmgrad
// makemore`). Each is built from settings and names, or from a saved file; the worker (worker.ts)
// drives it in chunks, so messages get in between, and never touches a model itself.
// Leaves out: messages and the page's words for errors (worker.ts).
import { Generator, defaultGenerator, saveTorch, type Tensor } from '../src/index.ts';
import { Session, ConfigError, datasetTensors, sampleNames, checkSampling, type RunConfig } from '../src/makemore/session.ts';
import { MLP } from '../src/makemore/model.ts';
import { loadInto, CheckpointError, type Checkpoint } from '../src/makemore/checkpoint.ts';
import { lrAt, yieldToEventLoop, YIELD_MS } from '../src/makemore/train.ts';
import { saferRates } from '../src/makemore/divergence.ts';
import { Diagnostics, parameterValues, type Snapshot } from '../src/makemore/diagnostics.ts';
import { ZooRun, MAKEMORE_DEFAULTS, EVAL, generateWords, settingsProblem, type ZooSettings } from '../src/makemore/zoo/run.ts';
import { createModel, numParams, MODEL_TYPES, type LanguageModel, type ModelType } from '../src/makemore/zoo/models.ts';
import { parseWords } from '../src/makemore/zoo/data.ts';
import { sameData, type SavedState, type ModelFile } from '../src/makemore/zoo/checkpoint.ts';
import { modelById, fieldProblem } from './models.ts';
import type { RunInfo, SampleRequest, Settings } from './protocol.ts';

const fmt = new Intl.NumberFormat('en-US');

/** The periodic validation loss looks at most this many val examples (the final one at all of them). */
const VAL_ROWS = 50_000;

export interface Hooks {
  progressEvery: number;
  shouldStop(): boolean;
  /** The loss of step 0 (and the notebook's log lines). */
  onLog(step: number, loss: number): void;
  /**
   * Every progressEvery steps, and where training stops: steps done, the last loss, log10 losses
   * since the last call. A returned promise is awaited before training goes on.
   */
  onProgress(step: number, loss: number, lossi: number[]): void | Promise<void>;
  /** A held-out loss the run measures itself (makemore.py's test loss every 500 steps). */
  onHeldOut(step: number, loss: number): void;
}

/** A file the page offers for download. */
export interface Download { bytes: Uint8Array; name: string }

export interface PageRun {
  readonly info: RunInfo;
  readonly step: number;
  readonly done: boolean;
  readonly canTrain: boolean;
  /** Trains from the current step until the end or shouldStop(); throws DivergenceError if the loss runs away. */
  train(h: Hooks): Promise<void>;
  /** The diagnostics after the step that brought the run to `step` (null for a model that only samples). */
  diagnose(step: number, last: boolean): Snapshot | null;
  /** The learning rate of the next step. */
  readonly lr: number;
  /** Every this many steps the worker measures the held-out loss (heldOutLoss); 0 where the run reports its own (Hooks.onHeldOut). */
  readonly heldOutEvery: number;
  heldOutLoss(): number;
  /** The losses when the run ends, reporting the share done. */
  final(progress: (fraction: number) => void): Record<string, number>;
  /** How many examples final() looks at (for its progress label). */
  readonly finalExamples: number;
  sample(req: SampleRequest): string[];
  save(what: 'run' | 'weights' | 'torch'): Download;
  /** Settings to try after a divergence at `step`, and the words for them. */
  divergenceFix(step: number): { fix: Settings; label: string; lr: number };
}

/** Validation loss every this many steps: about 20 points a run, at round steps the chunks reach. */
function valInterval(steps: number): number {
  for (let p = 1000; ; p *= 10) for (const m of [1, 2, 2.5, 5]) if (m * p >= steps / 20) return m * p;
}

// ---- the notebook's MLP ----

const NOTEBOOK_DIAG = ['C', 'W1', 'b1', 'W2', 'b2', 'bngain', 'bnbias'];

export class NotebookRun implements PageRun {
  readonly info: RunInfo;
  private readonly diag: Diagnostics | null;
  readonly heldOutEvery: number;
  private readonly val: { X: Tensor; Y: Tensor } | null;

  /** A run to train (session), or a loaded model that can only sample (why says what it would need). */
  private constructor(private readonly session: Session | null, private readonly model: MLP, private readonly itos: string[], config: RunConfig & { decayAt: number }, step: number, why: string) {
    const s = session;
    const valRows = s ? Math.min(s.data.val.n, VAL_ROWS) : 0;
    this.val = !s ? null : valRows === s.data.val.n ? s.tensors.val
      : datasetTensors({ X: s.data.val.X.subarray(0, valRows * config.blockSize), Y: s.data.val.Y.subarray(0, valRows), n: valRows }, config.blockSize);
    this.heldOutEvery = s ? valInterval(config.steps) : 0;
    const splits = s ? { train: s.data.train.n, val: s.data.val.n, test: s.data.test.n } : null;
    this.info = {
      model: 'mlp-bn', settings: { ...config } as unknown as Settings, steps: config.steps, step, params: model.numParams(), vocabSize: itos.length, splits,
      heldOutNote: s ? `validation loss every ${fmt.format(this.heldOutEvery)} steps${valRows < s.data.val.n ? ` on the first ${fmt.format(valRows)} val examples` : ''}` : '',
      diagNames: s ? NOTEBOOK_DIAG : [], activations: true,
      weights: false, canTrain: !!s && !s.done, why,
    };
    this.diag = s ? new Diagnostics(model, s.tensors.train.X, { seed: config.seed }) : null;
  }

  static start(text: string, settings: Settings): NotebookRun {
    const s = new Session(text, settings as unknown as RunConfig);
    return new NotebookRun(s, s.model, s.data.vocab.itos, s.config, 0, '');
  }

  /** A checkpoint: continued on `text` when it can be, else a model to sample from. */
  static load(text: string | null, ckpt: Checkpoint): NotebookRun {
    let session: Session | null = null, why = '';
    if (text === null) why = 'To continue training it, load the names it was trained on first, then the model again.';
    else {
      try {
        session = Session.fromCheckpoint(text, ckpt);
      } catch (e) {
        if (!(e instanceof ConfigError || e instanceof CheckpointError || (e as Error).name === 'DataError')) throw e;
        why = `It cannot continue training here: ${(e as Error).message.replace(/^wasmgrad: /, '')}.`;
      }
    }
    if (session) return new NotebookRun(session, session.model, session.data.vocab.itos, session.config, session.step, '');
    const model = new MLP(ckpt.config, new Generator().manualSeed(ckpt.training.seed));
    loadInto(model, ckpt);
    const t = ckpt.training, c = ckpt.config;
    const config = { steps: t.steps, batchSize: t.batchSize, blockSize: c.blockSize, nEmbed: c.nEmbed, nHidden: c.nHidden, seed: t.seed, lr: t.schedule.lr, decayAt: t.schedule.decayAt, lrAfter: t.schedule.lrAfter, batchnorm: c.batchnorm };
    return new NotebookRun(null, model, ckpt.itos, config, t.step, why);
  }

  get step(): number { return this.session?.step ?? this.info.step; }
  get done(): boolean { return this.session?.done ?? true; }
  get canTrain(): boolean { return !!this.session && !this.session.done; }
  get lr(): number { return this.session?.lr ?? 0; }
  /** The learning rate of the step that brought the run to `step`. */
  private lrBefore(step: number): number { return this.session ? lrAt(this.session.schedule, Math.max(0, step - 1)) : 0; }
  /** SGD's update is lr * grad. */
  diagnose(step: number, last: boolean): Snapshot | null { return this.diag?.after(step, { lr: this.lrBefore(step) }, last) ?? null; }

  async train(h: Hooks): Promise<void> {
    await this.session!.run({ progressEvery: h.progressEvery, shouldStop: h.shouldStop, onLog: h.onLog, onProgress: h.onProgress });
  }

  heldOutLoss(): number { return this.model.splitLoss(this.val!.X, this.val!.Y); }

  get finalExamples(): number { const d = this.session!.data; return d.train.n + d.val.n + d.test.n; }
  final(progress: (fraction: number) => void): Record<string, number> {
    const total = this.finalExamples;
    return { ...this.session!.splitLosses((done) => progress(done / total)) };
  }

  sample(req: SampleRequest): string[] { return sampleNames(this.model, this.itos, req.count, req.seed, req.temperature); }

  save(): Download {
    const s = this.session!;
    return { bytes: s.checkpoint(), name: `makemore-mlp-step${s.step}.safetensors` };
  }

  divergenceFix(step: number): { fix: Settings; label: string; lr: number } {
    const s = this.session!;
    const fix = saferRates(s.schedule, Math.max(0, step - 1));
    return { fix, lr: this.lrBefore(step), label: `Start again with learning rate ${fix.lr}${fix.lrAfter !== s.config.lrAfter ? ` (${fix.lrAfter} after the decay)` : ''}` };
  }
}

// ---- makemore.py's models ----

/** The settings of a makemore.py run from the page's fields (steps is its --max-steps). */
function zooSettings(type: ModelType, s: Settings): ZooSettings {
  const { steps, ...rest } = s;
  return { ...MAKEMORE_DEFAULTS, ...rest, type, maxSteps: steps, topK: -1 };
}

/** The page's fields of a makemore.py run (those its model shows, and the training ones). */
function zooFields(s: ZooSettings): Settings {
  return { steps: s.maxSteps, batchSize: s.batchSize, learningRate: s.learningRate, weightDecay: s.weightDecay, seed: s.seed, nLayer: s.nLayer, nHead: s.nHead, nEmbd: s.nEmbd, nEmbd2: s.nEmbd2 };
}

/** makemore.py's evaluation (the train and test losses it prints every 500 steps), leaving the run's random stream as it was. */
function evaluateAside(run: ZooRun): Record<string, number> {
  const g = defaultGenerator().getState();
  try {
    return { train: run.evaluate(run.data.train, EVAL.batchSize, EVAL.maxBatches), test: run.evaluate(run.data.test, EVAL.batchSize, EVAL.maxBatches) };
  } finally {
    defaultGenerator().setState(g);
  }
}

export class ZooPageRun implements PageRun {
  readonly info: RunInfo;
  readonly heldOutEvery = 0;
  private readonly diag: Diagnostics | null;
  /** The parameters before step `beforeStep` (taken before the last step of each chunk): AdamW's update is measured. */
  private before: Record<string, Float32Array> | null = null;
  private beforeStep = -1;

  /** blockSize: the data's longest word + 1 (makemore.py samples that many - 1 tokens). */
  private constructor(private readonly run: ZooRun | null, private readonly model: LanguageModel, private readonly settings: ZooSettings, private readonly chars: string[], private readonly blockSize: number, step: number, why: string) {
    const splits = run ? { train: run.data.train.length, test: run.data.test.length } : null;
    const twoD = [...model.namedParameters()].filter(([, p]) => p.ndim === 2).map(([n]) => n);
    this.info = {
      model: settings.type, settings: zooFields(settings), steps: settings.maxSteps, step, params: numParams(model), vocabSize: chars.length + 1, splits,
      heldOutNote: run ? `test loss every 500 steps (makemore.py's evaluation: ${EVAL.maxBatches + 1} batches of ${EVAL.batchSize} words)` : '',
      diagNames: run ? twoD : [], activations: false,
      weights: true, canTrain: !!run && !run.done, why,
    };
    this.diag = run ? new Diagnostics(model, null, { seed: settings.seed }) : null;
  }

  /** Checks the settings first (the model and the split are made only for a run that can start). */
  static start(text: string, type: ModelType, fields: Settings): ZooPageRun {
    const settings = zooSettings(type, fields);
    const spec = modelById(type)!;
    const label = (k: keyof ZooSettings) => [...spec.fields, ...spec.training].find((f) => f.key === k)?.label ?? k;
    // The page samples without top-k, so the vocabulary's size (known only once the data is parsed) cannot matter.
    const problem = settingsProblem(settings, Infinity, label);
    if (problem) throw new ConfigError(problem);
    const run = new ZooRun(text, settings);
    return new ZooPageRun(run, run.model, settings, run.data.chars, run.config.blockSize, 0, '');
  }

  /** A saved run: continued on `text` when it is the data it was trained on, else a model to sample from. */
  static resume(text: string | null, saved: SavedState): ZooPageRun {
    let why = '';
    if (text === null) why = 'To continue training it, load the names it was trained on first, then the model again.';
    else if (!sameData(saved, parseWords(text))) why = `It cannot continue training here: it was trained on other names (${fmt.format(saved.data.words)} of them); load those first, then the model again.`;
    else if (!(saved.step < saved.settings.maxSteps)) why = `Its ${fmt.format(saved.step)} steps are done.`;
    if (!why) {
      const run = new ZooRun(text!, saved.settings, { resume: saved });
      return new ZooPageRun(run, run.model, saved.settings, run.data.chars, run.config.blockSize, saved.step, '');
    }
    const model = createModel(saved.settings.type, saved.config);
    model.loadStateDict(saved.model);
    return new ZooPageRun(null, model, saved.settings, saved.chars, saved.config.blockSize, saved.step, why);
  }

  /**
   * makemore.py's own model.pt (weights only): a run of the chosen makemore.py model and sizes on
   * `text`, from these weights at step 0 with a new optimizer, as makemore.py's --resume.
   */
  static fromTorch(text: string | null, type: string, fields: Settings, file: ModelFile): ZooPageRun {
    if (!MODEL_TYPES.includes(type as ModelType)) throw new CheckpointError("it is a PyTorch model.pt, which holds weights only: first choose the makemore.py model it is (and its sizes) above");
    if (text === null) throw new CheckpointError('it is a PyTorch model.pt, which holds weights only: load the names it was trained on first, then the model again');
    const settings = zooSettings(type as ModelType, fields);
    const problem = settingsProblem(settings, Infinity, (k) => k);
    if (problem) throw new ConfigError(problem);
    try {
      const run = new ZooRun(text, settings, { weights: file.tensors });
      return new ZooPageRun(run, run.model, settings, run.data.chars, run.config.blockSize, 0, '');
    } catch (e) {
      if (!/loadStateDict/.test((e as Error).message)) throw e;
      throw new CheckpointError(`its weights do not fit a ${type} of the sizes chosen above (${(e as Error).message.replace(/^loadStateDict: /, '')}): choose the model and sizes it was trained with`);
    }
  }

  /** makemore.py's model file (weights and what they are): a model to sample from. */
  static weights(file: ModelFile): ZooPageRun {
    const info = file.info!;
    if (!MODEL_TYPES.includes(info.settings.type)) throw new CheckpointError(`its model type '${info.settings.type}' is not one of makemore.py's`);
    const model = createModel(info.settings.type, info.config);
    try {
      model.loadStateDict(file.tensors);
    } catch (e) {
      throw new CheckpointError(`its weights do not fit a ${info.settings.type} of the sizes it names (${(e as Error).message.replace(/^loadStateDict: /, '')})`);
    }
    return new ZooPageRun(null, model, info.settings, info.chars, info.config.blockSize, info.step, 'A weights file holds no optimizer state: to continue training exactly, load a run saved with Save run.');
  }

  get step(): number { return this.run?.step ?? this.info.step; }
  get done(): boolean { return this.run?.done ?? true; }
  get canTrain(): boolean { return !!this.run && !this.run.done; }
  get lr(): number { return this.settings.learningRate; }
  diagnose(step: number, last: boolean): Snapshot | null {
    return this.diag?.after(step, { before: this.beforeStep === step - 1 ? this.before : null }, last) ?? null;
  }

  /** makemore.py's loop (ZooRun.train), cut into pieces that end at each progressEvery step or after YIELD_MS. */
  async train(h: Hooks): Promise<void> {
    const run = this.run!;
    const every = h.progressEvery;
    let lossi: number[] = [], last = NaN, boundary = 0, since = 0;
    const flush = () => { const held = h.onProgress(run.step, last, lossi); lossi = []; return held; };
    while (!run.done && !h.shouldStop()) {
      boundary = (Math.floor(run.step / every) + 1) * every;
      since = performance.now();
      await run.train({
        print: () => {},
        shouldStop: () => {
          if (h.shouldStop() || run.step >= boundary || performance.now() - since > YIELD_MS) return true;
          if (this.diag && (run.step === boundary - 1 || run.step === this.settings.maxSteps - 1)) { this.before = parameterValues(this.model); this.beforeStep = run.step; }
          return false;
        },
        onStep: (step, loss) => { last = loss; lossi.push(Math.log10(loss)); if (step === 0) h.onLog(0, loss); },
        onEval: (step, _train, test) => h.onHeldOut(step, test),
      });
      if (run.step % every === 0 || run.done) await flush();
      await yieldToEventLoop();
    }
    if (lossi.length) await flush();
  }

  heldOutLoss(): number { throw new Error('makemore.py runs report their own test loss'); }

  get finalExamples(): number { return 2 * (EVAL.maxBatches + 1) * EVAL.batchSize; }
  final(progress: (fraction: number) => void): Record<string, number> {
    progress(0);
    const losses = evaluateAside(this.run!);
    progress(1);
    return losses;
  }

  /** Names from a generator of their own (the run's stream, which makemore.py's samples and evaluations use, is not touched). */
  sample(req: SampleRequest): string[] {
    checkSampling(req.count, req.seed, req.temperature);
    return generateWords(this.model, this.chars, req.count, this.blockSize - 1, {
      temperature: req.temperature, doSample: true, generator: new Generator().manualSeed(req.seed) });
  }

  save(what: 'run' | 'weights' | 'torch'): Download {
    const run = this.run!;
    const name = `makemore-${this.settings.type}-step${run.step}`;
    if (what === 'torch') return { bytes: saveTorch(this.model.stateDict(), { archive: 'model' }), name: `${name}-model.pt` };
    return what === 'weights' ? { bytes: run.modelBytes(), name: `${name}-model.safetensors` } : { bytes: run.stateBytes(), name: `${name}.safetensors` };
  }

  /** makemore.py's default rate, or a tenth of the rate if it was that or less already. */
  divergenceFix(): { fix: Settings; label: string; lr: number } {
    const was = this.settings.learningRate, dflt = MAKEMORE_DEFAULTS.learningRate;
    const lr = was > dflt ? dflt : Number((was / 10).toPrecision(6));
    return { fix: { learningRate: lr }, lr: this.settings.learningRate, label: `Start again with learning rate ${lr}` };
  }
}

/** A new run of the model `id` (web/models.ts) on `text`; ConfigError when a setting is out of range. */
export function startRun(id: string, text: string, settings: Settings): PageRun {
  const spec = modelById(id);
  if (!spec) throw new ConfigError(`there is no model '${id}' here; choose one of the models offered`);
  const problem = fieldProblem(spec, settings);
  if (problem) throw new ConfigError(problem);
  return spec.kind === 'notebook' ? NotebookRun.start(text, settings) : ZooPageRun.start(text, id as ModelType, settings);
}
