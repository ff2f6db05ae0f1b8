// Module: parameters, buffers and submodules with PyTorch's names and order, train/eval, state
// dicts and zeroGrad. As in PyTorch, assigning a Module or a parameter (a leaf tensor with
// requiresGrad) to a property registers it under the property's name, in assignment order:
// `this.fc1 = new nn.Linear(2, 16)` gives state dict keys 'fc1.weight' and 'fc1.bias'.
// Buffers (state that is saved but not trained) are registered explicitly, with registerBuffer.
import { Tensor, fmtShape } from '../tensor.ts';
import { noGrad } from '../grad_mode.ts';
import { sameShape, checkOptions } from '../ops/check.ts';
import { copy_ } from '../ops/elementwise.ts';
import { kernels } from '../wasm/load.ts';

export interface LoadStateDictResult { missingKeys: string[]; unexpectedKeys: string[] }

const isParam = (v: unknown): v is Tensor => v instanceof Tensor && v.requiresGrad && v.isLeaf;

export abstract class Module {
  /** Whether the module is in training mode (dropout active, batch statistics); see train()/eval(). */
  training = true;
  // Registered entries in registration order; null holds a name (PyTorch's `register_parameter(n, None)`).
  private readonly _params = new Map<string, Tensor | null>();
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _nonPersistent = new Set<string>();
  private readonly _modules = new Map<string, Module | null>();

  /** The computation; every module defines it (containers that only hold modules throw). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  abstract forward(...args: any[]): any;

  /** Registers a parameter under `name` (made permanent and requiring grad); returns it. */
  registerParameter<T extends Tensor | null>(name: string, t: T): T {
    this.checkName(name, 'registerParameter');
    if (t !== null) {
      if (!(t instanceof Tensor)) throw new Error(`registerParameter: '${name}' must be a Tensor or null, got ${typeof t}`);
      if (!t.isLeaf) throw new Error(`registerParameter: '${name}' must be a leaf tensor (made by no op); pass t.detach()`);
      t.requiresGrad = true;
    }
    this._params.set(name, t);
    return t;
  }

  /**
   * Registers a buffer: state kept in the state dict (unless persistent is false) but not
   * trained, such as running statistics. Its memory stays until the module is collected.
   */
  registerBuffer<T extends Tensor | null>(name: string, t: T, opts: { persistent?: boolean } = {}): T {
    this.checkName(name, 'registerBuffer');
    checkOptions('registerBuffer', opts, ['persistent']);
    if (t !== null && !(t instanceof Tensor)) throw new Error(`registerBuffer: '${name}' must be a Tensor or null, got ${typeof t}`);
    this._buffers.set(name, t === null ? null : t.keep());
    if (opts.persistent === false) this._nonPersistent.add(name); else this._nonPersistent.delete(name);
    return t;
  }

  /** Registers a submodule under `name` (keys of its state become `name.key`); returns it. */
  registerModule<M extends Module | null>(name: string, m: M): M {
    this.checkName(name, 'registerModule');
    if (m !== null && !(m instanceof Module)) throw new Error(`registerModule: '${name}' must be a Module or null, got ${typeof m}`);
    this._modules.set(name, m);
    return m;
  }

  private checkName(name: string, op: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) throw new Error(`${op}: name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
  }

  /**
   * Picks up what was assigned to properties since the last look: Modules become submodules,
   * leaf tensors requiring grad become parameters (replacing an entry of the same name).
   */
  private discover(): void {
    for (const key of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[key];
      if (v instanceof Module) {
        if (this._modules.get(key) !== v && ![...this._modules.values()].includes(v)) this._modules.set(key, v);
      } else if (isParam(v)) {
        if (this._params.get(key) !== v && ![...this._params.values()].includes(v) && ![...this._buffers.values()].includes(v)) this._params.set(key, v);
      } else if (Array.isArray(v) && v.some((x) => x instanceof Module && ![...this._modules.values()].includes(x))) {
        throw new Error(`${this.constructor.name}: property '${key}' is an array of Modules, whose parameters would not be registered; use new nn.ModuleList([...]) (as in PyTorch)`);
      }
    }
  }

  /** Direct submodules with their names. */
  *namedChildren(): Generator<[string, Module]> {
    this.discover();
    for (const [n, m] of this._modules) if (m) yield [n, m];
  }
  children(): Module[] { return [...this.namedChildren()].map(([, m]) => m); }

  /** This module and every submodule below it, depth first, each once ('' names this one). */
  *namedModules(prefix = '', seen = new Set<Module>()): Generator<[string, Module]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [n, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${n}` : n, seen);
  }
  modules(): Module[] { return [...this.namedModules()].map(([, m]) => m); }

  /** Parameters with their dotted names (each tensor once, as PyTorch's named_parameters). */
  *namedParameters(prefix = '', recurse = true): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const mods: Iterable<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      m.discover();
      for (const [n, p] of m._params) {
        if (!p || seen.has(p)) continue;
        seen.add(p);
        yield [mp ? `${mp}.${n}` : n, p];
      }
    }
  }
  parameters(recurse = true): Tensor[] { return [...this.namedParameters('', recurse)].map(([, p]) => p); }

  /** Buffers with their dotted names (each tensor once). */
  *namedBuffers(prefix = '', recurse = true): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const mods: Iterable<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [n, b] of m._buffers) {
        if (!b || seen.has(b)) continue;
        seen.add(b);
        yield [mp ? `${mp}.${n}` : n, b];
      }
    }
  }
  buffers(recurse = true): Tensor[] { return [...this.namedBuffers('', recurse)].map(([, b]) => b); }

  /** Sets training mode (dropout, batch norm statistics) here and in every submodule. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new Error(`train: mode must be a boolean, got ${typeof mode}`);
    this.training = mode;
    for (const c of this.children()) c.train(mode);
    return this;
  }
  /** Evaluation mode: train(false). */
  eval(): this { return this.train(false); }

  /** Calls fn on every submodule and then on this module (as PyTorch's apply); returns this. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Clears the gradients of every parameter: to null (setToNone, the default, as PyTorch 2) or
   * to zeros (as PyTorch 1.13's default).
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void { zeroGrads(this.parameters(), opts, 'zeroGrad'); }

  /**
   * Parameters then persistent buffers of each module, submodules after, with PyTorch's dotted
   * keys and order. The tensors share memory with the module's (detached, as PyTorch's).
   * @example
   *   Object.keys(new nn.Sequential(new nn.Linear(2, 3)).stateDict());   // ['0.weight', '0.bias']
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const walk = (m: Module, prefix: string) => {
      m.discover();
      for (const [n, p] of m._params) if (p) out[prefix + n] = p.detach();
      for (const [n, b] of m._buffers) if (b && !m._nonPersistent.has(n)) out[prefix + n] = b.detach();
      for (const [n, c] of m._modules) if (c) walk(c, `${prefix}${n}.`);
    };
    walk(this, '');
    return out;
  }

  /**
   * Copies a state dict's values into this module's parameters and buffers. With strict (the
   * default) the keys must match exactly; without, missing and unexpected keys are returned.
   * Shapes and dtypes must match in both cases. Nothing is copied if anything does not fit.
   */
  loadStateDict(state: Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadStateDictResult {
    checkOptions('loadStateDict', opts, ['strict']);
    if (state === null || typeof state !== 'object') throw new Error(`loadStateDict: expected an object of tensors, got ${state === null ? 'null' : typeof state}`);
    const mine = this.stateDict();
    const missingKeys = Object.keys(mine).filter((k) => !(k in state));
    const unexpectedKeys = Object.keys(state).filter((k) => !(k in mine));
    const problems: string[] = [];
    if (opts.strict !== false && (missingKeys.length || unexpectedKeys.length)) {
      if (missingKeys.length) problems.push(`missing key(s) ${missingKeys.map((k) => `'${k}'`).join(', ')}`);
      if (unexpectedKeys.length) problems.push(`unexpected key(s) ${unexpectedKeys.map((k) => `'${k}'`).join(', ')}`);
    }
    for (const [k, t] of Object.entries(mine)) {
      if (!(k in state)) continue;
      const s = state[k];
      if (!(s instanceof Tensor)) problems.push(`'${k}' is not a Tensor (${typeof s})`);
      else if (!sameShape(t.shape, s.shape) || t.dtype !== s.dtype) {
        problems.push(`size mismatch for '${k}': copying ${fmtShape(s.shape)} ${s.dtype}, the module has ${fmtShape(t.shape)} ${t.dtype}`);
      }
    }
    if (problems.length) {
      throw new Error(`loadStateDict: error(s) loading the state dict into ${this.constructor.name}: ${problems.join('; ')}${opts.strict !== false && (missingKeys.length || unexpectedKeys.length) ? ' (pass { strict: false } to load the keys that match)' : ''}`);
    }
    noGrad(() => { for (const [k, t] of Object.entries(mine)) if (k in state) copy_(t, state[k]); });
    return { missingKeys, unexpectedKeys };
  }
}

/** Zeroes or clears (setToNone, default true) the gradients of these parameters. */
export function zeroGrads(params: readonly Tensor[], opts: { setToNone?: boolean }, op: string): void {
  checkOptions(op, opts, ['setToNone']);
  for (const p of params) {
    if (opts.setToNone === false) {
      if (p._leafGrad?.has) { kernels().fill(p._leafGradPtr(), 0, p.numel()); p._leafGrad!.storage.version++; }
    } else p.grad = null;
  }
}
