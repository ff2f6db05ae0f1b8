// The notebook's training loop (In[29]) as a library function: minibatches from randint on
// the model's generator, SGD with the step learning-rate schedule, the loss logged every
// `logEvery` steps and log10(loss) kept for every step (lossi).
import { Generator, Tensor, randint, optim, NotebookMLPStep } from '../index.ts';
import type { MLP } from './model.ts';
import { initInfo } from '../wasm/load.ts';
import { StepThreads } from '../fused/threads.ts';

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
  /** Called every `progressEvery` steps (and at the end) with (steps done, last loss). */
  onProgress?: (step: number, loss: number) => void;
  progressEvery?: number;
  /** Checked between steps: when it returns true the loop stops early (Ctrl-C). */
  shouldStop?: () => boolean;
  /**
   * Run every op through the autograd engine, as the notebook writes it, instead of the fused
   * step (one wasm call per step, same numbers bit for bit). The CLI sets it from WASMGRAD_EAGER=1.
   */
  eager?: boolean;
  /**
   * Threads for the fused step (default: init()'s `threads`, 1 unless asked for). Same numbers
   * as one thread. Needs init({ threads }) with this many.
   */
  threads?: number;
  /**
   * With threads: false runs every step on them; by default each step runs threaded or not,
   * whichever is faster while the machine's other load comes and goes (src/compile/thread_choice.ts).
   */
  adaptiveThreads?: boolean;
}

export interface TrainResult {
  /** [step, loss] at every logged step. */
  log: [number, number][];
  /** log10(loss) of every step run here. */
  lossi: number[];
  /** The step the model has reached (== steps unless stopped early). */
  stepReached: number;
  /** Wall time spent in the loop, in seconds. */
  seconds: number;
  /** With threads: how many of the steps run here used them. */
  threadedSteps?: number;
}

export class NonFiniteLossError extends Error {
  constructor(readonly step: number, readonly loss: number) {
    super(`the loss became ${loss} at step ${step}: training diverged; try a lower --lr`);
  }
}

export const lrAt = (s: Schedule, step: number): number => (step < s.decayAt ? s.lr : s.lrAfter);

/** Lets timers and signal handlers run (progress redraws, Ctrl-C) between chunks of steps. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export async function train(model: MLP, X: Tensor, Y: Tensor, g: Generator, opts: TrainOptions): Promise<TrainResult> {
  const { batchSize, schedule } = opts;
  // With batch norm the whole step is one kernel call (src/fused/mlp_step.ts); else eager.
  const fused = !opts.eager && model.bngain ? fusedStep(model, X, Y, batchSize) : null;
  const sgd = fused ? null : new optim.SGD(model.parameters(), { lr: schedule.lr });
  const threads = opts.threads ?? initInfo()?.threads ?? 1;
  if (threads > 1 && threads !== initInfo()?.threads) {
    throw new Error(`train: threads ${threads} needs init({ threads: ${threads} }) first (init gave ${initInfo()?.threads ?? 'nothing'})`);
  }
  if (fused && threads > 1) {
    fused.threads = await StepThreads.start();
    if (opts.adaptiveThreads === false) fused.threadChoice = null;
  }
  try {
    return await loop(model, X, Y, g, opts, fused, sgd);
  } finally {
    if (fused?.threads) { await fused.threads.stop(); fused.threads = null; }
  }
}

/**
 * The model's fused step, made once and kept for its later train() calls on the same data (a
 * paused Session continues on it): the step packs the parameters into one block, and packing
 * them a second time is refused.
 */
const fusedSteps = new WeakMap<MLP, { X: Tensor; Y: Tensor; batchSize: number; step: NotebookMLPStep }>();
function fusedStep(model: MLP, X: Tensor, Y: Tensor, batchSize: number): NotebookMLPStep {
  const kept = fusedSteps.get(model);
  if (kept && kept.X === X && kept.Y === Y && kept.batchSize === batchSize) return kept.step;
  const step = new NotebookMLPStep({
    C: model.C, W1: model.W1, b1: model.b1, W2: model.W2, b2: model.b2, bngain: model.bngain!, bnbias: model.bnbias!,
    bnmeanRunning: model.bnmeanRunning!, bnstdRunning: model.bnstdRunning!,
  }, X, Y, { batchSize });
  fusedSteps.set(model, { X, Y, batchSize, step });
  return step;
}

async function loop(model: MLP, X: Tensor, Y: Tensor, g: Generator, opts: TrainOptions, fused: NotebookMLPStep | null, sgd: optim.SGD | null): Promise<TrainResult> {
  const { steps, batchSize, schedule } = opts;
  const logEvery = opts.logEvery ?? 10000;
  const progressEvery = opts.progressEvery ?? 1000;
  const n = X.shape[0];
  const log: [number, number][] = [];
  const lossi: number[] = [];
  const t0 = performance.now();
  let i = opts.startStep ?? 0;
  for (; i < steps; i++) {
    if (opts.shouldStop?.()) break;
    let value: number;
    if (fused) {
      value = fused.step(g, lrAt(schedule, i));
    } else {
      const ix = randint(0, n, [batchSize], { generator: g });
      const loss = model.loss(X.index(ix), Y.index(ix));
      sgd!.zeroGrad();
      loss.backward();
      sgd!.lr = lrAt(schedule, i);
      sgd!.step();
      value = loss.item();
    }
    if (!Number.isFinite(value)) throw new NonFiniteLossError(i, value);
    if (i % logEvery === 0) { log.push([i, value]); opts.onLog?.(i, value); }
    lossi.push(Math.log10(value));
    if ((i + 1) % progressEvery === 0) {
      opts.onProgress?.(i + 1, value);
      await yieldToEventLoop();
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (!fused?.threads) return { log, lossi, stepReached: i, seconds };
  return { log, lossi, stepReached: i, seconds, threadedSteps: fused.threadChoice ? fused.threadChoice.threadedSteps : i - (opts.startStep ?? 0) };
}
