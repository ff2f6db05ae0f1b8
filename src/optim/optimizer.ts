// What every optimizer shares: parameter groups (PyTorch's param_groups, each with its own
// options over the defaults), each group's parameters and gradients packed into one block so a
// step is one kernel call per group, zeroGrad, and a learning rate a compiled step reads at
// every call. The update rules live in sgd.ts and adam.ts.
import type { Tensor } from '../tensor.ts';
import { checkOptions } from '../ops/check.ts';
import { zeroGrads } from '../nn/module.ts';
import { checkParams, packParameters, stillPacked, type Packed } from './pack.ts';

/** A parameter group: its parameters and any options that differ from the optimizer's defaults. */
export type ParamGroupSpec<O> = { params: Iterable<Tensor> } & Partial<O>;

/** A parameter group as the optimizer keeps it: every option filled in (from the defaults). */
export type ParamGroup<O> = { params: Tensor[]; initialLr?: number } & O;

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
