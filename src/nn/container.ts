// Containers: Sequential (runs its modules in order), ModuleList and ModuleDict (hold modules
// so their parameters are registered; no forward of their own). State dict keys as PyTorch's:
// '0.weight', 'blocks.1.bias', 'heads.a.weight'.
import type { Tensor } from '../tensor.ts';
import { Module } from './module.ts';

function checkModule(op: string, m: unknown, at: string): Module {
  if (!(m instanceof Module)) throw new Error(`${op}: ${at} must be an nn.Module, got ${m === null ? 'null' : typeof m}`);
  return m;
}

/**
 * Runs modules in order, feeding each one's output to the next. Takes modules (keys '0', '1',
 * ...) or one object of named modules (keys its names, in order).
 * @example
 *   const mlp = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3));
 *   const logits = mlp.forward(x);
 */
export class Sequential extends Module {
  /** The modules in order. */
  readonly layers: Module[] = [];
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && first !== null && typeof first === 'object' && !(first instanceof Module)) {
      for (const [name, m] of Object.entries(first)) this.layers.push(this.registerModule(name, checkModule('Sequential', m, `'${name}'`)));
    } else {
      (modules as Module[]).forEach((m, i) => this.layers.push(this.registerModule(String(i), checkModule('Sequential', m, `argument ${i}`))));
    }
  }
  /** Appends a module at the end (key: its index). */
  append(m: Module): this {
    this.layers.push(this.registerModule(String(this.layers.length), checkModule('Sequential.append', m, 'the argument')));
    return this;
  }
  /** The i-th module (negative counts from the end). */
  get(i: number): Module { return at(this.layers, i, 'Sequential'); }
  get length(): number { return this.layers.length; }
  [Symbol.iterator](): Iterator<Module> { return this.layers[Symbol.iterator](); }
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) y = m.forward(y);
    return y;
  }
}

/** ModuleList's and ModuleDict's forward: they hold modules, they do not run them (as PyTorch's). */
function noForward(m: Module): never {
  throw new Error(`${m.constructor.name}: forward() is not implemented; it holds modules: call theirs (for (const m of list) x = m.forward(x))`);
}

function at<T>(list: T[], i: number, op: string): T {
  if (!Number.isInteger(i) || i < -list.length || i >= list.length) throw new Error(`${op}: index ${i} is out of range for ${list.length} modules`);
  return list[i < 0 ? i + list.length : i];
}

/**
 * A list of modules whose parameters are registered (keys '0', '1', ...), as torch.nn.ModuleList.
 * @example
 *   this.blocks = new nn.ModuleList(Array.from({ length: 4 }, () => new Block()));
 *   for (const b of this.blocks) x = b.forward(x);
 */
export class ModuleList extends Module {
  private readonly items: Module[] = [];
  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
  }
  append(m: Module): this {
    this.items.push(this.registerModule(String(this.items.length), checkModule('ModuleList.append', m, 'the argument')));
    return this;
  }
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }
  /** The i-th module (negative counts from the end). */
  get(i: number): Module { return at(this.items, i, 'ModuleList'); }
  get length(): number { return this.items.length; }
  [Symbol.iterator](): Iterator<Module> { return this.items[Symbol.iterator](); }
  forward(): never { return noForward(this); }
}

/**
 * Named modules whose parameters are registered (keys 'name.weight', ...), in insertion order,
 * as torch.nn.ModuleDict.
 */
export class ModuleDict extends Module {
  private readonly items = new Map<string, Module>();
  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    const entries = Symbol.iterator in Object(modules) ? [...(modules as Iterable<[string, Module]>)] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }
  set(key: string, m: Module): this {
    this.items.set(key, this.registerModule(key, checkModule('ModuleDict.set', m, `'${key}'`)));
    return this;
  }
  get(key: string): Module {
    const m = this.items.get(key);
    if (!m) throw new Error(`ModuleDict: no module named '${key}'; keys: ${[...this.items.keys()].join(', ') || '(none)'}`);
    return m;
  }
  has(key: string): boolean { return this.items.has(key); }
  keys(): string[] { return [...this.items.keys()]; }
  values(): Module[] { return [...this.items.values()]; }
  entries(): [string, Module][] { return [...this.items.entries()]; }
  get size(): number { return this.items.size; }
  [Symbol.iterator](): Iterator<[string, Module]> { return this.items[Symbol.iterator](); }
  forward(): never { return noForward(this); }
}
