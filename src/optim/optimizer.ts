// What every optimizer shares: parameter groups (PyTorch's param_groups, each with its own
// options over the defaults), each group's parameters and gradients packed into one block so a
// step is one kernel call per group, zeroGrad, and a learning rate a compiled step reads at
// every call. The update rules live in sgd.ts and adam.ts.
import { Tensor } from '../tensor.ts';
import { checkOptions } from '../ops/check.ts';
import { zeroGrads } from '../nn/module.ts';
import { zeros } from '../creation.ts';
import { kernels } from '../wasm/load.ts';
import { livePtr, type Storage } from '../memory.ts';
import { checkParams, packParameters, stillPacked, stateBlock, type Packed } from './pack.ts';

/** A parameter group: its parameters and any options that differ from the optimizer's defaults. */
export type ParamGroupSpec<O> = { params: Iterable<Tensor> } & Partial<O>;

/** A parameter group as the optimizer keeps it: every option filled in (from the defaults). */
export type ParamGroup<O> = { params: Tensor[]; initialLr?: number } & O;

/**
 * An optimizer's state as PyTorch's state_dict() lays it out: `state` by parameter number (counted
 * across the groups in order), holding only parameters that have state (have been stepped); each
 * group's options with its parameters as those numbers. The tensors are copies.
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  paramGroups: ({ params: number[] } & Record<string, unknown>)[];
}

/** The options every optimizer has. */
export interface BaseOptions { lr: number }

/** Validates one option's value for an optimizer: returns it or throws naming the optimizer. */
export type Check<O> = { [K in keyof O]: (v: O[K]) => void };

export abstract class Optimizer<O extends BaseOptions, S> {
  /** The parameter groups, in order; set `group.lr` (or use a scheduler) to change a rate. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Each group's packed block (null: its parameters cannot move, so they update one by one). */
  protected readonly packs: (Packed | null)[] = [];
  /** Each group's optimizer state (momentum buffers, moments, step counts). */
  protected readonly states: S[] = [];

  protected constructor(readonly name: string, params: Iterable<Tensor> | Iterable<ParamGroupSpec<O>>,
    readonly defaults: O, private readonly checks: Check<O>) {
    checkOptions(name, defaults, Object.keys(checks));
    const list = [...(params as Iterable<unknown>)];
    if (!list.length) throw new Error(`${name}: got no parameters to optimise`);
    const groups = list.every((g) => g !== null && typeof g === 'object' && 'params' in (g as object) && !('shape' in (g as object)))
      ? list as ParamGroupSpec<O>[]
      : [{ params: list as Tensor[] } as unknown as ParamGroupSpec<O>];
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group of parameters with its own options (the others from the defaults), as PyTorch's add_param_group. */
  addParamGroup(spec: ParamGroupSpec<O>): void {
    if (spec === null || typeof spec !== 'object' || !('params' in spec)) throw new Error(`${this.name}: a parameter group must be an object { params, ...options }`);
    const known = ['params', ...Object.keys(this.checks)];
    checkOptions(this.name, spec, known);
    const params = [...spec.params];
    checkParams(this.name, params);
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => taken.has(p))) throw new Error(`${this.name}: some parameters appear in more than one parameter group`);
    const group = { ...this.defaults, ...defined(spec), params } as ParamGroup<O>;
    for (const k of Object.keys(this.checks) as (keyof O)[]) {
      if (group[k] === undefined) throw new Error(`${this.name}: option '${String(k)}' is required, e.g. new optim.${this.name}(params, { lr: 0.01 })`);
      this.checks[k](group[k]);
    }
    this.paramGroups.push(group);
    const state = this.makeState(group);
    this.packs.push(packParameters(params));
    this.states.push(state);
  }

  /**
   * A new group's state (called by addParamGroup, also from the constructor: it must not use
   * the subclass's own fields). Throws on options that do not go together.
   */
  protected abstract makeState(group: ParamGroup<O>): S;

  /** One update of every parameter that has a gradient (others are left as they are, as PyTorch). */
  abstract step(): void;

  /** Group i's packed block if its parameters still sit there (nobody repacked them), else null. */
  protected packed(i: number): Packed | null {
    const p = this.packs[i];
    return p && stillPacked(this.paramGroups[i].params, p) ? p : null;
  }

  /** The names of the per-parameter state kept in blocks over a group ('exp_avg', ...), for these options. */
  protected abstract tensorState(group: O): string[];
  /** The names of the per-parameter numbers ('step'). */
  protected abstract numberState(): string[];
  /** Group gi's block holding state `key` for all its parameters (made, zeroed, when `make`), or null. */
  protected abstract block(gi: number, key: string, make: boolean): Storage | null;
  /** Parameter i of group gi's numbers, or null when it has no state yet (never stepped). */
  protected abstract numbersOf(gi: number, i: number): Record<string, number> | null;
  /** Sets parameter i of group gi's numbers (null: no state). */
  protected abstract setNumbers(gi: number, i: number, numbers: Record<string, number> | null): void;

  /** The state to resume from later with loadStateDict (PyTorch's state_dict layout; copies, not views). */
  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict['state'] = {};
    const paramGroups: OptimizerStateDict['paramGroups'] = [];
    let index = 0;
    this.paramGroups.forEach((group, gi) => {
      const ids: number[] = [];
      let at = 0;
      group.params.forEach((p, i) => {
        const numbers = this.numbersOf(gi, i);
        if (numbers) {
          const entry: Record<string, Tensor | number> = { ...numbers };
          for (const key of this.tensorState(group)) {
            const b = this.block(gi, key, false);
            const t = zeros(p.shape).keep();
            if (b) kernels().copy(t._writePtr(), livePtr(b) + at * 4, p.numel());
            entry[key] = t;
          }
          state[index] = entry;
        }
        ids.push(index++);
        at += p.numel();
      });
      const { params: _, ...options } = group;
      paramGroups.push({ ...structuredClone(options), params: ids });
    });
    return { state, paramGroups };
  }

  /**
   * Loads a state from stateDict() (this optimizer's kind, the same groups of parameters of the
   * same shapes): the groups' options and every parameter's state, so that training continues
   * exactly. Everything is checked first: nothing changes if anything does not fit.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || sd.state === null || typeof sd.state !== 'object') {
      throw new Error(`${op}: expected { state, paramGroups } from stateDict()`);
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new Error(`${op}: the state dict has ${sd.paramGroups.length} parameter groups, this optimizer ${this.paramGroups.length}`);
    }
    const known = Object.keys(this.checks);
    const options: O[] = [];
    const where: { gi: number; i: number; p: Tensor }[] = [];
    sd.paramGroups.forEach((g, gi) => {
      const mine = this.paramGroups[gi];
      if (g === null || typeof g !== 'object' || !Array.isArray(g.params) || g.params.length !== mine.params.length) {
        throw new Error(`${op}: parameter group ${gi} of the state dict has ${Array.isArray(g?.params) ? g.params.length : 'no'} parameters, this optimizer's ${mine.params.length}`);
      }
      const { params: ids, ...rest } = g;
      checkOptions(this.name, rest, [...known, 'initialLr']);
      const o = { ...mine, ...structuredClone(rest) } as unknown as ParamGroup<O>;
      for (const k of known as (keyof O)[]) this.checks[k](o[k]);
      if (o.initialLr !== undefined) this.checks.lr(o.initialLr as O['lr']);
      options.push(o);
      ids.forEach((id, i) => {
        if (!Number.isSafeInteger(id) || id < 0 || where[id]) throw new Error(`${op}: parameter group ${gi} lists parameter ${String(id)}, which is not a new parameter number`);
        where[id] = { gi, i, p: mine.params[i] };
      });
    });
    for (const [id, entry] of Object.entries(sd.state)) {
      const w = where[Number(id)];
      if (!w) throw new Error(`${op}: state for parameter ${id}, which no parameter group lists`);
      const tensors = this.tensorState(options[w.gi]), numbers = this.numberState();
      if (entry === null || typeof entry !== 'object') throw new Error(`${op}: the state of parameter ${id} must be an object`);
      for (const [key, v] of Object.entries(entry)) {
        if (numbers.includes(key)) {
          if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${op}: '${key}' of parameter ${id} must be a number >= 0, got ${v instanceof Tensor ? 'a Tensor' : String(v)}`);
        } else if (tensors.includes(key)) {
          if (!(v instanceof Tensor)) throw new Error(`${op}: state '${key}' of parameter ${id} must be a Tensor, got ${typeof v}`);
          if (v.dtype !== 'float32' || v.shape.length !== w.p.shape.length || v.shape.some((n, k) => n !== w.p.shape[k])) {
            throw new Error(`${op}: state '${key}' of parameter ${id} is [${v.shape.join(', ')}] ${v.dtype}, the parameter [${w.p.shape.join(', ')}] ${w.p.dtype}`);
          }
        } else throw new Error(`${op}: unknown state '${key}' for parameter ${id} (a ${this.name} keeps ${[...numbers, ...tensors].join(', ')})`);
      }
      const missing = [...numbers, ...tensors].filter((k) => !(k in entry));
      if (missing.length) throw new Error(`${op}: the state of parameter ${id} lacks ${missing.map((k) => `'${k}'`).join(', ')}`);
    }
    // Everything fits: set the options, then every parameter's state (none where the dict has none).
    options.forEach((o, gi) => Object.assign(this.paramGroups[gi], o));
    let id = 0;
    this.paramGroups.forEach((group, gi) => {
      let at = 0;
      group.params.forEach((p, i) => {
        const entry = (sd.state as Record<number, Record<string, Tensor | number>>)[id++];
        const n = p.numel();
        for (const key of this.tensorState(group)) {
          const b = this.block(gi, key, !!entry);
          if (!b) continue;
          if (entry) kernels().copy(livePtr(b) + at * 4, (entry[key] as Tensor).ptr, n);
          else kernels().fill(livePtr(b) + at * 4, 0, n);
          b.version++;
        }
        this.setNumbers(gi, i, entry ? Object.fromEntries(this.numberState().map((k) => [k, entry[k] as number])) : null);
        at += n;
      });
    });
  }

  /** A zeroed block for state over all of group gi's parameters. */
  protected newBlock(gi: number): Storage {
    return stateBlock(this.paramGroups[gi].params.reduce((n, p) => n + p.numel(), 0));
  }

  /** The learning rate, when every group has the same one; setting it sets every group's. */
  get lr(): number {
    const lr = this.paramGroups[0].lr;
    if (this.paramGroups.some((g) => g.lr !== lr)) throw new Error(`${this.name}: the parameter groups have different learning rates; read paramGroups[i].lr`);
    return lr;
  }
  set lr(v: number) {
    this.checks.lr(v);
    for (const g of this.paramGroups) g.lr = v;
  }

  /** Clears every gradient: to null (setToNone, the default, as PyTorch 2) or to zeros (PyTorch 1.13's default). */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    zeroGrads(this.paramGroups.flatMap((g) => g.params), opts, `${this.name}.zeroGrad`);
  }
}

/** Checks for options that must be numbers >= 0 (finite). */
export function nonNegative(op: string, name: string) {
  return (v: unknown): void => {
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new Error(`${op}: ${name} must be a non-negative number, got ${String(v)}`);
  };
}

export function boolean(op: string, name: string) {
  return (v: unknown): void => {
    if (typeof v !== 'boolean') throw new Error(`${op}: ${name} must be true or false, got ${String(v)}`);
  };
}

/** o without its undefined entries (so `{ momentum: undefined }` keeps the default, as PyTorch's None would not). */
export function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
