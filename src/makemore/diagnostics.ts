// What makemore part 3 plots to see inside the network while it trains: histograms of the hidden
// pre-activations (what goes into tanh) and of the tanh outputs with the share that is saturated
// (|t| > 0.97), histograms of the weights' gradients with their grad:data ratio, and each
// parameter's update-to-data ratio, log10(std(lr * grad) / std(data)), over time (about -3 is
// healthy). Read between steps, never inside one: the run's numbers stay the CLI's.
// Leaves out: drawing (the page's), the gradients of activations (the engine keeps no .grad on
// intermediate tensors).
import { F, Generator, noGrad, randint, type Tensor, type nn } from '../index.ts';
import type { MLP } from './model.ts';

export interface Histogram {
  /** The range the bins cover, in equal steps. */
  lo: number;
  hi: number;
  counts: number[];
  mean: number;
  /** Unbiased, as torch's .std(). */
  std: number;
}

/** Bins `values` into `bins` equal steps over [lo, hi] (default: their own range). */
export function histogram(values: ArrayLike<number>, bins = 50, lo?: number, hi?: number): Histogram {
  const n = values.length;
  let min = Infinity, max = -Infinity, sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const mean = n ? sum / n : 0;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i] - mean) ** 2;
  lo ??= n ? min : 0;
  hi ??= n ? max : 1;
  if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
  const counts = new Array<number>(bins).fill(0);
  const scale = bins / (hi - lo);
  for (let i = 0; i < n; i++) {
    const b = Math.floor((values[i] - lo) * scale);
    if (b >= 0 && b < bins) counts[b]++;
    else if (values[i] === hi) counts[bins - 1]++;
  }
  return { lo, hi, counts, mean, std: n > 1 ? Math.sqrt(sq / (n - 1)) : 0 };
}

/** Unbiased standard deviation. */
function std(v: Float32Array): number {
  return histogram(v, 1).std;
}

export interface ActivationStats {
  /** Pre-activations, batch-normed as in training (the notebook's hpreact). */
  preact: Histogram;
  tanh: Histogram & { saturated: number };
}

/**
 * The hidden layer on the rows of X (int32 contexts), as a training step sees it (batch
 * statistics for batch norm, running statistics left alone), with no graph recorded.
 */
export function activationStats(model: MLP, X: Tensor, bins = 50): ActivationStats {
  return noGrad(() => {
    const emb = model.C.index(X);
    let h = emb.view(X.shape[0], -1).matmul(model.W1).add(model.b1);
    if (model.bngain) h = F.batchNorm(h, model.bngain, model.bnbias!, { flavour: 'notebook', training: true });
    const pre = h.toArray() as Float32Array;
    const t = h.tanh().toArray() as Float32Array;
    let saturated = 0;
    for (let i = 0; i < t.length; i++) if (Math.abs(t[i]) > 0.97) saturated++;
    const [below, above] = absRange(pre);
    const r = Math.max(1e-6, below, above);
    return {
      preact: histogram(pre, bins, -r, r),
      tanh: { ...histogram(t, bins, -1, 1), saturated: t.length ? saturated / t.length : 0 },
    };
  });
}

/** [-min, max] as absolute values, for a symmetric range. */
function absRange(v: Float32Array): [number, number] {
  let min = 0, max = 0;
  for (let i = 0; i < v.length; i++) { if (v[i] < min) min = v[i]; if (v[i] > max) max = v[i]; }
  return [-min, max];
}

export interface GradStats {
  name: string;
  shape: number[];
  hist: Histogram;
  /** std(grad) / std(data): the lecture's "grad:data ratio". */
  gradToData: number;
}

/** The lecture's weight-gradient plot: for each 2-D parameter, its last step's gradient. */
export function gradientStats(model: Inspected, bins = 50): GradStats[] {
  const out: GradStats[] = [];
  for (const [name, p] of Object.entries(named(model))) {
    const g = p.grad;
    if (p.ndim !== 2 || p.shape[0] === 1 || !g) continue;
    const gv = g.toArray() as Float32Array;
    const hist = histogram(gv, bins);
    out.push({ name, shape: [...p.shape], hist, gradToData: hist.std / std(p.toArray() as Float32Array) });
  }
  return out;
}

/**
 * log10(std(lr * grad) / std(data)) of every parameter after a step at learning rate `lr`
 * (null where it is undefined: no gradient yet, or data that is all one value).
 */
export function updateRatios(model: Inspected, lr: number): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [name, p] of Object.entries(named(model))) {
    const g = p.grad;
    const r = g ? Math.log10((lr * std(g.toArray() as Float32Array)) / std(p.toArray() as Float32Array)) : NaN;
    out[name] = Number.isFinite(r) ? r : null;
  }
  return out;
}

/** The notebook's MLP, or any nn.Module (makemore.py's models): what the gradient and update plots read. */
export type Inspected = MLP | nn.Module;

/**
 * log10(std(update) / std(data)) of every parameter from its values before the step
 * (`before`, by name): the update the optimizer really made, whatever it is (AdamW's is not
 * lr * grad). Null where it is undefined.
 */
export function measuredUpdateRatios(model: Inspected, before: Record<string, Float32Array>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [name, p] of Object.entries(named(model))) {
    const b = before[name];
    if (!b) { out[name] = null; continue; }
    const now = p.toArray() as Float32Array;
    const diff = new Float32Array(now.length);
    for (let i = 0; i < now.length; i++) diff[i] = now[i] - b[i];
    const r = Math.log10(std(diff) / std(now));
    out[name] = Number.isFinite(r) ? r : null;
  }
  return out;
}

/** Every trained parameter's values now, by name: measuredUpdateRatios' `before`. */
export function parameterValues(model: Inspected): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(named(model)).map(([n, p]) => [n, (p.toArray() as Float32Array).slice()]));
}

function named(model: Inspected): Record<string, Tensor> {
  const all = 'namedTensors' in model ? model.namedTensors() : Object.fromEntries(model.namedParameters());
  return Object.fromEntries(Object.entries(all).filter(([, t]) => t.requiresGrad));
}

export interface Snapshot {
  step: number;
  /** Every call: the update-to-data ratios of the step just taken. */
  ratios: Record<string, number | null>;
  /** On the first call, then as often as the time budget allows: the histograms (activations: the notebook's MLP only). */
  activations?: ActivationStats;
  gradients?: GradStats[];
}

/**
 * The page's schedule: ratios at every call (the worker calls after each chunk of steps), the
 * histograms (of the notebook MLP's hidden layer on a fixed sample of `rows` training rows, drawn
 * with a generator of their own: the run's is not touched; and of the gradients) whenever the time they took so far stays within `budget` (a share) of
 * the time since the first call. Gaps over a second between calls (a pause) count as a second.
 * @example
 *   const d = new Diagnostics(session.model, session.tensors.train.X, { seed: 42 });
 *   await session.run({ onProgress: (step) => show(d.after(step, { lr: lrOfTheLastStep })) });
 */
export class Diagnostics {
  private readonly X: Tensor | null;
  private last = -1;
  private elapsed = 0;
  private histMs = 0;
  readonly rows: number;
  readonly budget: number;

  /** trainX: the notebook MLP's training contexts, for its activation histograms; null for other models. */
  constructor(private readonly model: Inspected, trainX: Tensor | null, opts: { seed: number; rows?: number; budget?: number }) {
    this.budget = opts.budget ?? 0.04;
    if (trainX && 'namedTensors' in model) {
      this.rows = Math.min(opts.rows ?? 512, trainX.shape[0]);
      const ix = randint(0, trainX.shape[0], [this.rows], { generator: new Generator().manualSeed(opts.seed) });
      this.X = trainX.index(ix).keep();
    } else {
      this.rows = 0;
      this.X = null;
    }
  }

  /**
   * Call after the step that brought the run to `step`: `update` is that step's SGD learning
   * rate (the update is lr * grad), or the parameters' values before it (parameterValues: the
   * update is measured; null when they were not taken, and the ratios are null).
   * `histograms` true takes them whatever the budget (the run's last step).
   */
  after(step: number, update: { lr: number } | { before: Record<string, Float32Array> | null }, histograms = false): Snapshot {
    const now = performance.now();
    if (this.last >= 0) this.elapsed += Math.min(now - this.last, 1000);
    const ratios = 'lr' in update ? updateRatios(this.model, update.lr) : measuredUpdateRatios(this.model, update.before ?? {});
    const snap: Snapshot = { step, ratios };
    if (histograms || this.last < 0 || this.histMs <= this.budget * this.elapsed) {
      const t0 = performance.now();
      if (this.X) snap.activations = activationStats(this.model as MLP, this.X);
      snap.gradients = gradientStats(this.model);
      this.histMs += performance.now() - t0;
    }
    this.last = performance.now();
    return snap;
  }
}
