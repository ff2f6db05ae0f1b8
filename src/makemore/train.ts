// The notebook's training loop (In[29]) as a library function: minibatches from randint on
// the model's generator, SGD with the step learning-rate schedule, the loss logged every
// `logEvery` steps and log10(loss) kept for every step (lossi). A loss that stops being finite,
// or stays far above where the run started, ends training with a DivergenceError (divergence.ts).
// Leaves out: data, checkpoints and sampling (session.ts owns a whole run).
import { Generator, Tensor, randint, optim, compile, startThreads, stopThreads, type Compiled } from '../index.ts';
import type { MLP } from './model.ts';
import { DivergenceCheck } from './divergence.ts';
import type { ThreadMode } from '../compile/threaded.ts';
import { initInfo } from '../wasm/load.ts';

export interface Schedule {
  /** Learning rate for steps before `decayAt`. */
  lr: number;
  /** First step that uses `lrAfter` (the notebook: steps / 2). */
  decayAt: number;
  lrAfter: number;
}

export interface TrainOptions {
  steps: number;
  batchSize: number;
  schedule: Schedule;
  /** Start from this step (resuming); default 0. */
  startStep?: number;
  logEvery?: number;
  /** Called after each logged step with (step, loss). */
  onLog?: (step: number, loss: number) => void;
  /**
   * Called every `progressEvery` steps (and at the end) with (steps done, last loss). A returned
   * promise is awaited before the next step: a consumer that falls behind holds the loop back.
   */
  onProgress?: (step: number, loss: number) => void | Promise<void>;
  progressEvery?: number;
  /** Checked between steps: when it returns true the loop stops early (Ctrl-C). */
  shouldStop?: () => boolean;
  /**
   * Run every op through the autograd engine, as the notebook writes it, instead of the compiled
   * step (one wasm call per step, same numbers bit for bit). The CLI sets it from WASMGRAD_EAGER=1.
   */
  eager?: boolean;
  /**
   * Threads for the compiled step (default: init()'s `threads`, 1 unless asked for). Same numbers
   * as one thread. Needs init({ threads }) with this many.
   */
  threads?: number;
  /**
   * With threads: false runs every step on them; by default each step runs threaded or not,
   * whichever is faster while the machine's other load comes and goes (src/compile/thread_choice.ts).
   */
  adaptiveThreads?: boolean;
  /** Where log10(loss) of each step goes (default: a new array, returned as `lossi`). */
  lossi?: number[];
  /** The divergence check to use (a Session keeps one across its chunks); default a fresh one. */
  divergence?: DivergenceCheck;
}

export interface TrainResult {
  /** [step, loss] at every logged step. */
  log: [number, number][];
  /** log10(loss) of every step run here (the `lossi` option's array when given). */
  lossi: number[];
  /** The step the model has reached (== steps unless stopped early). */
  stepReached: number;
  /** Wall time spent in the loop, in seconds. */
  seconds: number;
  /** The loss of the last step run here (NaN if none ran). */
  lastLoss: number;
  /** With threads: how many of the steps run here used them. */
  threadedSteps?: number;
}

export { DivergenceError, NonFiniteLossError, DivergenceCheck } from './divergence.ts';

export const lrAt = (s: Schedule, step: number): number => (step < s.decayAt ? s.lr : s.lrAfter);

/** One training step as the loop sees it: update the model, return the minibatch loss. */
export interface TrainStep {
  step(g: Generator, lr: number): number;
  /** Threads it runs on (1, or init()'s threads). */
  readonly threads: number;
  /** With threads: how many of its steps so far ran threaded. */
  readonly threadedSteps: number;
  /** Starts its helper threads, if any, before a chunk of steps. */
  start(): Promise<void>;
  /** Stops them after the chunk (a paused run holds no threads); start() again to go on. */
  stop(): Promise<void>;
}

/**
 * THE place a training step is made: the notebook's step written with the public API (minibatch
 * from randint, forward, backward, SGD as `p.data += -lr * p.grad`), compiled into one wasm
 * program (src/compile) unless `eager`; both give the same numbers bit for bit.
 */
export async function makeTrainStep(model: MLP, X: Tensor, Y: Tensor, opts: { batchSize: number; eager?: boolean; threads?: number; adaptiveThreads?: boolean }): Promise<TrainStep> {
  const threads = opts.threads ?? initInfo()?.threads ?? 1;
  if (threads > 1 && threads !== initInfo()?.threads) {
    throw new Error(`train: threads ${threads} needs init({ threads: ${threads} }) first (init gave ${initInfo()?.threads ?? 'nothing'})`);
  }
  const { run, sgd } = opts.eager ? notebookStep(model, X, Y, opts.batchSize) : compiledStep(model, X, Y, opts.batchSize, threads === 1 ? 'never' : opts.adaptiveThreads === false ? 'always' : 'auto');
  const compiled = 'info' in run ? run as Compiled<[Generator], Tensor> : null;
  const threadedBefore = compiled?.info().threadedCalls ?? 0;
  let started = false;
  return {
    threads: compiled ? threads : 1,
    step(g, lr) {
      sgd.lr = lr;
      return run(g).item();
    },
    get threadedSteps() { return (compiled?.info().threadedCalls ?? 0) - threadedBefore; },
    async start() {
      if (compiled && threads > 1 && !started) { await startThreads(); started = true; }
    },
    async stop() {
      if (started) { await stopThreads(); started = false; }
    },
  };
}

/** The notebook's step on rows drawn from g, as eager code: the loss, after the update. */
function notebookStep(model: MLP, X: Tensor, Y: Tensor, batchSize: number) {
  const sgd = new optim.SGD(model.parameters(), { lr: 0.1, fma: false }); // the notebook's p.data += -lr * p.grad
  const n = X.shape[0];
  const run = (g: Generator) => {
    const ix = randint(0, n, [batchSize], { generator: g });
    const loss = model.loss(X.index(ix), Y.index(ix));
    sgd.zeroGrad();
    loss.backward();
    sgd.step();
    return loss;
  };
  return { run, sgd };
}

/**
 * The compiled step, made once per model and kept for its later train() calls on the same data
 * (a paused Session continues on the program it captured instead of capturing again).
 */
const compiledSteps = new WeakMap<MLP, { X: Tensor; Y: Tensor; batchSize: number; threads: ThreadMode; run: Compiled<[Generator], Tensor>; sgd: optim.SGD }>();
function compiledStep(model: MLP, X: Tensor, Y: Tensor, batchSize: number, threads: ThreadMode) {
  const kept = compiledSteps.get(model);
  if (kept && kept.X === X && kept.Y === Y && kept.batchSize === batchSize && kept.threads === threads) return kept;
  const { run, sgd } = notebookStep(model, X, Y, batchSize);
  const made = { X, Y, batchSize, threads, run: compile(run, { threads }), sgd };
  compiledSteps.set(model, made);
  return made;
}

/**
 * Lets timers, messages and signal handlers run (progress redraws, a pause, Ctrl-C) between
 * steps: at least every YIELD_MS, whatever a step costs. setImmediate where there is one (Node:
 * microseconds, and due timers and signals run first), else a zero timeout.
 */
export const YIELD_MS = 50;
const setImmediateLike = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
export const yieldToEventLoop = () => new Promise<void>((resolve) => (setImmediateLike ? setImmediateLike(resolve) : setTimeout(resolve, 0)));

/** Trains `model` from opts.startStep up to opts.steps; throws DivergenceError if it diverges. */
export async function train(model: MLP, X: Tensor, Y: Tensor, g: Generator, opts: TrainOptions): Promise<TrainResult> {
  const step = await makeTrainStep(model, X, Y, opts);
  await step.start();
  try {
    return await loop(step, g, opts, model.config.vocabSize);
  } finally {
    await step.stop();
  }
}

async function loop(trainStep: TrainStep, g: Generator, opts: TrainOptions, vocabSize: number): Promise<TrainResult> {
  const { steps, schedule } = opts;
  const logEvery = opts.logEvery ?? 10000;
  const progressEvery = opts.progressEvery ?? 1000;
  const divergence = opts.divergence ?? new DivergenceCheck(vocabSize);
  const log: [number, number][] = [];
  const lossi = opts.lossi ?? [];
  const t0 = performance.now();
  const threadedBefore = trainStep.threadedSteps;
  let nextYield = t0 + YIELD_MS;
  let i = opts.startStep ?? 0, value = NaN;
  for (; i < steps; i++) {
    if (opts.shouldStop?.()) break;
    value = trainStep.step(g, lrAt(schedule, i));
    divergence.check(i, value);
    if (i % logEvery === 0) { log.push([i, value]); opts.onLog?.(i, value); }
    lossi.push(Math.log10(value));
    const progress = (i + 1) % progressEvery === 0;
    if (progress) {
      const held = opts.onProgress?.(i + 1, value);
      if (held) await held;
    }
    if (progress || performance.now() >= nextYield) {
      await yieldToEventLoop();
      nextYield = performance.now() + YIELD_MS;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const result: TrainResult = { log, lossi, stepReached: i, seconds, lastLoss: value };
  if (trainStep.threads > 1) result.threadedSteps = trainStep.threadedSteps - threadedBefore;
  return result;
}
