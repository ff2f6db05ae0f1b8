// torch.optim.SGD with all its options and parameter groups, bit for bit (assembly/kernels/sgd.ts
// sgd_step, one call per group). `fma: false` gives the hand-written update instead,
// `p.data += -lr * p.grad` (the makemore notebook's), through the SIMD sgd_update.
import type { Tensor } from '../tensor.ts';
import { kernels } from '../wasm/load.ts';
import { livePtr, type Storage } from '../memory.ts';
import { stateBlock, hasGrad } from './pack.ts';
import { Optimizer, nonNegative, boolean, defined, type ParamGroup, type ParamGroupSpec } from './optimizer.ts';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  /**
   * true (default): each `x + a*y` rounds once, as torch.optim.SGD's add_(alpha) does. false:
   * the two roundings of a hand-written `p.data += -lr * p.grad` (the makemore notebook's update).
   */
  fma: boolean;
}

const DEFAULTS: Omit<SGDOptions, 'lr'> = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, fma: true };

/** Per group: the momentum buffers (one block) and whether each parameter's has started. */
interface GroupState { buf: Storage | null; started: boolean[] }

/**
 * @example
 *   const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 *   opt.zeroGrad(); loss.backward(); opt.step();
 *   new optim.SGD([{ params: body.parameters() }, { params: head.parameters(), lr: 0.01 }], { lr: 0.1 });
 */
export class SGD extends Optimizer<SGDOptions, GroupState> {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec<SGDOptions>>, opts: Partial<SGDOptions>) {
    const check = (name: string) => nonNegative('SGD', name);
    super('SGD', params, { ...DEFAULTS, ...defined(opts) } as SGDOptions, {
      lr: check('lr'), momentum: check('momentum'), dampening: check('dampening'), weightDecay: check('weightDecay'),
      nesterov: boolean('SGD', 'nesterov'), maximize: boolean('SGD', 'maximize'), fma: boolean('SGD', 'fma'),
    });
  }

  protected makeState(group: ParamGroup<SGDOptions>): GroupState {
    if (group.nesterov && (group.momentum <= 0 || group.dampening !== 0)) throw new Error('SGD: nesterov needs momentum > 0 and dampening 0 (as PyTorch)');
    return { buf: null, started: group.params.map(() => false) };
  }

  protected tensorState(group: SGDOptions): string[] { return group.momentum ? ['momentum_buffer'] : []; }

  protected numberState(): string[] { return []; }

  protected block(gi: number, key: string, make: boolean): Storage | null {
    const st = this.states[gi];
    if (make && key === 'momentum_buffer') st.buf ??= this.newBlock(gi);
    return st.buf;
  }

  /** A parameter has state (its momentum buffer) once a step with momentum has started it. */
  protected numbersOf(gi: number, i: number): Record<string, number> | null {
    return this.paramGroups[gi].momentum && this.states[gi].started[i] ? {} : null;
  }

  protected setNumbers(gi: number, i: number, numbers: Record<string, number> | null): void {
    this.states[gi].started[i] = numbers !== null;
  }

  step(): void {
    this.paramGroups.forEach((group, gi) => {
      const st = this.states[gi], packed = this.packed(gi);
      const withGrad = group.params.map(hasGrad);
      if (!withGrad.some(Boolean)) return;
      const plain = !group.momentum && !group.weightDecay && !group.maximize;
      if (group.momentum && !st.buf) st.buf = stateBlock(group.params.reduce((n, p) => n + p.numel(), 0));
      if (packed && !group.fma && plain) {
        // A parameter without a gradient gets a zero one: p - lr * 0 leaves it unchanged.
        for (const p of group.params) if (!hasGrad(p)) { p._leafGradPtr(); p.grad = null; }
        kernels().sgd_update(packed.params, packed.grads, group.lr, packed.count);
      } else if (packed && withGrad.every(Boolean) && st.started.every((s) => s === st.started[0])) {
        this.update(group, st, null, packed.params, packed.grads, st.buf ? livePtr(st.buf) : 0, packed.count);
      } else {
        let at = 0;
        group.params.forEach((p, i) => {
          const n = p.numel();
          if (withGrad[i]) this.update(group, st, i, p._writePtr(), p._leafGradPtr(), st.buf ? livePtr(st.buf) + at * 4 : 0, n);
          at += n;
        });
      }
      for (const p of group.params) p._storage.version++;
    });
  }

  /**
   * One sgd_step call over parameter i of the group (null: all of them), with the group's scalars
   * as they are when the step runs (a compiled step's program gets them at every call).
   */
  private update(g: ParamGroup<SGDOptions>, st: GroupState, i: number | null, params: number, grads: number, bufs: number, n: number): void {
    const first = i === null ? !st.started[0] : !st.started[i];
    if (i === null) st.started.fill(true); else st.started[i] = true;
    // (first only matters with momentum: without, the flags stay the same from the first step on)
    const flags = (g.nesterov ? 1 : 0) | (g.maximize ? 2 : 0) | (first && g.momentum ? 4 : 0) | (g.fma ? 0 : 8);
    kernels().sgd_step(params, grads, bufs, g.lr, g.momentum, g.dampening, g.weightDecay, flags, n);
  }
}
