// torch.optim.lr_scheduler: StepLR, LambdaLR and CosineAnnealingLR with PyTorch 1.13's
// formulas (the recursive ("chainable") ones its step() uses, so the rates are the same doubles)
// and step semantics: the constructor takes step 0 (the rates stay the initial ones), and each
// step() after optimizer.step() moves to the next epoch. Inside a compiled step, step() runs at
// every call (the guard runs the step's JavaScript) and the new rates reach the program.
import { checkOptions } from '../ops/check.ts';
import type { Optimizer, BaseOptions, ParamGroup } from './optimizer.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<BaseOptions, any>;

export abstract class LRScheduler {
  /** The epoch (number of step() calls) the rates belong to; -1 before the first. */
  lastEpoch: number;
  /** Each group's rate at epoch 0. */
  readonly baseLrs: number[];
  protected stepCount = 0;
  private lastLr: number[] = [];

  protected constructor(readonly name: string, readonly optimizer: AnyOptimizer, lastEpoch = -1) {
    if (!optimizer || !Array.isArray((optimizer as { paramGroups?: unknown }).paramGroups)) throw new Error(`${name}: the first argument must be an optimizer`);
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) throw new Error(`${name}: lastEpoch must be an integer >= -1, got ${lastEpoch}`);
    const groups = optimizer.paramGroups as ParamGroup<BaseOptions>[];
    if (lastEpoch === -1) {
      for (const g of groups) g.initialLr ??= g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new Error(`${name}: paramGroups[${i}].initialLr is not set, which resuming with lastEpoch ${lastEpoch} needs (as PyTorch's initial_lr)`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** Takes step 0 (PyTorch's _initial_step); subclasses call it at the end of their constructor. */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** Moves to the next epoch and sets every group's learning rate. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => { g.lr = lrs[i]; });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The rates the last step() set, one per group. */
  getLastLr(): number[] { return [...this.lastLr]; }

  /** The rates for lastEpoch (PyTorch's get_lr). */
  protected abstract getLr(): number[];

  protected get groups(): ParamGroup<BaseOptions>[] { return this.optimizer.paramGroups as ParamGroup<BaseOptions>[]; }
}

function positiveInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}
function finite(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${op}: ${name} must be a finite number, got ${String(v)}`);
  return v;
}

/**
 * Multiplies each group's rate by gamma every stepSize epochs.
 * @example
 *   const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 *   for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, opts: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super('StepLR', optimizer, opts?.lastEpoch);
    checkOptions('StepLR', opts, ['stepSize', 'gamma', 'lastEpoch']);
    this.stepSize = positiveInt('StepLR', 'stepSize', opts.stepSize);
    this.gamma = finite('StepLR', 'gamma', opts.gamma ?? 0.1);
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
}

/**
 * Sets each group's rate to its initial rate times lrLambda(epoch) (one function, or one per group).
 * @example
 *   new optim.lrScheduler.LambdaLR(opt, { lrLambda: (epoch) => 0.95 ** epoch });
 */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: ((epoch: number) => number)[];
  constructor(optimizer: AnyOptimizer, opts: { lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[]; lastEpoch?: number }) {
    super('LambdaLR', optimizer, opts?.lastEpoch);
    checkOptions('LambdaLR', opts, ['lrLambda', 'lastEpoch']);
    const n = optimizer.paramGroups.length;
    const l = opts.lrLambda;
    if (Array.isArray(l)) {
      if (l.length !== n) throw new Error(`LambdaLR: expected ${n} lrLambda functions (one per parameter group), got ${l.length}`);
      this.lambdas = [...l];
    } else this.lambdas = Array.from({ length: n }, () => l);
    if (!this.lambdas.every((f) => typeof f === 'function')) throw new Error('LambdaLR: lrLambda must be a function of the epoch (or one per group)');
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => {
      const factor = this.lambdas[i](this.lastEpoch);
      if (typeof factor !== 'number') throw new Error(`LambdaLR: lrLambda(${this.lastEpoch}) returned ${typeof factor}, expected a number`);
      return base * factor;
    });
  }
}

/**
 * Anneals each group's rate from its initial value to etaMin along half a cosine over tMax
 * epochs (then back up, as PyTorch's: it is not clamped at tMax).
 * @example
 *   const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: steps });
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: AnyOptimizer, opts: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    super('CosineAnnealingLR', optimizer, opts?.lastEpoch);
    checkOptions('CosineAnnealingLR', opts, ['tMax', 'etaMin', 'lastEpoch']);
    this.tMax = positiveInt('CosineAnnealingLR', 'tMax', opts.tMax);
    this.etaMin = finite('CosineAnnealingLR', 'etaMin', opts.etaMin ?? 0);
    this.initialStep();
  }
  protected getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin: eta } = this;
    const groups = this.groups;
    if (e === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((base) => eta + (base - eta) * (1 + Math.cos(e * Math.PI / T)) / 2);
    }
    if ((e - 1 - T) % (2 * T) === 0) {
      return groups.map((g, i) => g.lr + (this.baseLrs[i] - eta) * (1 - Math.cos(Math.PI / T)) / 2);
    }
    return groups.map((g) => (1 + Math.cos(Math.PI * e / T)) / (1 + Math.cos(Math.PI * (e - 1) / T)) * (g.lr - eta) + eta);
  }
}
