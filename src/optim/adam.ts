// torch.optim.Adam and AdamW (PyTorch 1.13), with amsgrad, maximize, weightDecay and parameter
// groups: one adam_step kernel call per group (assembly/kernels/adam.ts), in PyTorch's order and
// rounding. The scalars depending on the learning rate and the step count are computed here in
// float64 as PyTorch computes them in Python, when the step runs (at every compiled call too).
import type { Tensor } from '../tensor.ts';
import { kernels } from '../wasm/load.ts';
import { livePtr, type Storage } from '../memory.ts';
import { stateBlock, hasGrad } from './pack.ts';
import { Optimizer, nonNegative, boolean, defined, type ParamGroup, type ParamGroupSpec } from './optimizer.ts';

export interface AdamOptions {
  lr: number;
  /** Decay rates of the first and second moment averages (default [0.9, 0.999]). */
  betas: readonly [number, number];
  /** Added to the denominator, outside the square root (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 0.01). */
  weightDecay: number;
  /** Normalise by the largest second moment seen so far (default false). */
  amsgrad: boolean;
  /** Maximise the objective instead (default false). */
  maximize: boolean;
}

/** Per group: moments in blocks over all its parameters, and each parameter's step count. */
interface GroupState { m: Storage | null; v: Storage | null; vmax: Storage | null; steps: number[] }

/** The float32 scalars of one adam_step call, filled when the step runs. */
interface Scalars { negStepSize: number; bc2Sqrt: number; decay: number; beta1: number; oneMinusBeta1: number; beta2: number; oneMinusBeta2: number; eps: number; weightDecay: number; flags: number }

function checkBetas(op: string) {
  return (b: unknown): void => {
    if (!Array.isArray(b) || b.length !== 2 || !b.every((x) => typeof x === 'number' && x >= 0 && x < 1)) {
      throw new Error(`${op}: betas must be two numbers in [0, 1), got ${JSON.stringify(b)}`);
    }
  };
}

class AdamBase extends Optimizer<AdamOptions, GroupState> {
  constructor(name: string, private readonly decoupled: boolean, params: Iterable<Tensor> | Iterable<ParamGroupSpec<AdamOptions>>, opts: Partial<AdamOptions>) {
    const defaults: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: decoupled ? 1e-2 : 0, amsgrad: false, maximize: false };
    const check = (n: string) => nonNegative(name, n);
    super(name, params, { ...defaults, ...defined(opts) }, {
      lr: check('lr'), betas: checkBetas(name), eps: check('eps'), weightDecay: check('weightDecay'),
      amsgrad: boolean(name, 'amsgrad'), maximize: boolean(name, 'maximize'),
    });
  }

  protected makeState(group: ParamGroup<AdamOptions>): GroupState {
    return { m: null, v: null, vmax: null, steps: group.params.map(() => 0) };
  }

  protected tensorState(group: AdamOptions): string[] {
    return group.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];
  }

  protected numberState(): string[] { return ['step']; }

  protected block(gi: number, key: string, make: boolean): Storage | null {
    const st = this.states[gi];
    const field = ({ exp_avg: 'm', exp_avg_sq: 'v', max_exp_avg_sq: 'vmax' } as const)[key as 'exp_avg'];
    if (make) st[field] ??= this.newBlock(gi);
    return st[field];
  }

  protected numbersOf(gi: number, i: number): Record<string, number> | null {
    const step = this.states[gi].steps[i];
    return step > 0 ? { step } : null;
  }

  protected setNumbers(gi: number, i: number, numbers: Record<string, number> | null): void {
    this.states[gi].steps[i] = numbers ? Math.fround(numbers.step) : 0;
  }

  step(): void {
    this.paramGroups.forEach((group, gi) => {
      const st = this.states[gi], packed = this.packed(gi);
      const withGrad = group.params.map(hasGrad);
      if (!withGrad.some(Boolean)) return;
      const total = group.params.reduce((n, p) => n + p.numel(), 0);
      st.m ??= stateBlock(total);
      st.v ??= stateBlock(total);
      if (group.amsgrad) st.vmax ??= stateBlock(total);
      const state = (at: number) => [livePtr(st.m!) + at * 4, livePtr(st.v!) + at * 4, group.amsgrad ? livePtr(st.vmax!) + at * 4 : 0];
      if (packed && withGrad.every(Boolean) && st.steps.every((s) => s === st.steps[0])) {
        const [m, v, vmax] = state(0);
        this.update(group, st, null, packed.params, packed.grads, m, v, vmax, packed.count);
      } else {
        let at = 0;
        group.params.forEach((p, i) => {
          const n = p.numel();
          if (withGrad[i]) {
            const [m, v, vmax] = state(at);
            this.update(group, st, i, p._writePtr(), p._leafGradPtr(), m, v, vmax, n);
          }
          at += n;
        });
      }
      for (const p of group.params) p._storage.version++;
    });
  }

  /** One adam_step call over parameter i of the group (null: all of them). */
  private update(g: ParamGroup<AdamOptions>, st: GroupState, i: number | null, params: number, grads: number,
    m: number, v: number, vmax: number, n: number): void {
    // PyTorch keeps the step count in a float32 tensor (so it stops growing at 2^24).
    const next = Math.fround((i === null ? st.steps[0] : st.steps[i]) + 1);
    if (i === null) st.steps.fill(next); else st.steps[i] = next;
    const s = this.scalars(g, next);
    kernels().adam_step(params, grads, m, v, vmax, s.negStepSize, s.bc2Sqrt, s.decay, s.beta1, s.oneMinusBeta1,
      s.beta2, s.oneMinusBeta2, s.eps, s.weightDecay, s.flags, n);
  }

  /** PyTorch 1.13's _single_tensor_adam(w) scalars for this step, in float64 as Python computes them. */
  private scalars(g: ParamGroup<AdamOptions>, step: number): Scalars {
    const [beta1, beta2] = g.betas;
    const bc1 = 1 - beta1 ** step, bc2 = 1 - beta2 ** step;
    const stepSize = g.lr / bc1;
    return {
      negStepSize: -stepSize, bc2Sqrt: Math.sqrt(bc2), decay: 1 - g.lr * g.weightDecay,
      beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2, eps: g.eps, weightDecay: g.weightDecay,
      flags: (g.amsgrad ? 1 : 0) | (g.maximize ? 2 : 0) | (this.decoupled ? 4 : 0),
    };
  }
}

/**
 * torch.optim.Adam: the L2 weight decay is added to the gradient.
 * @example
 *   const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 *   opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adam extends AdamBase {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec<AdamOptions>>, opts: Partial<AdamOptions> = {}) {
    super('Adam', false, params, opts);
  }
}

/**
 * torch.optim.AdamW: decoupled weight decay (p *= 1 - lr·weightDecay before the Adam step),
 * weightDecay 0.01 by default.
 * @example
 *   const opt = new optim.AdamW([{ params: body.parameters() }, { params: head.parameters(), lr: 3e-4 }], { lr: 1e-3 });
 */
export class AdamW extends AdamBase {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec<AdamOptions>>, opts: Partial<AdamOptions> = {}) {
    super('AdamW', true, params, opts);
  }
}
