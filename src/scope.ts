// Who owns each tensor's memory, and for how long. Three homes:
//  - persistent: parameters, their gradients, module buffers, optimizer state, tensors kept
//    with .keep(), and everything made before the first backward(). Freed when garbage-collected.
//  - the step arena: after training has started, every other tensor. It lives until the second
//    backward() after it was made (two arenas, used in turn), so `loss.item()` after the update
//    and values carried into the next step (running statistics) stay valid. A tensor made by a
//    factory (data, constants) that is used again in a later step moves to persistent memory
//    then, so data made mid-training keeps working; per-step factories (randint) never move.
//  - a noGrad() scope: tensors made inside are reclaimed when the callback returns; what it
//    returns moves out to the enclosing home.
// Using reclaimed memory throws instead of reading whatever the arena holds now.
import { alloc, free, u8, Arena, type ArenaMark } from './wasm/heap.ts';

/** A region tensors can live in; `alive` goes false when its memory is reclaimed. */
export interface Owner {
  alive: boolean;
  readonly kind: 'persistent' | 'step' | 'noGrad';
  /** For messages: the step (backward count) at which it was opened. */
  readonly step: number;
}

export const PERSISTENT: Owner = { alive: true, kind: 'persistent', step: 0 };

/** A block of wasm memory shared by a tensor and its views. */
export class Storage {
  /** Keeps a shared block (see src/optim/pack.ts) alive while this storage points into it. */
  block: object | null = null;
  /** Made by a factory (tensor, randn, zeros, ...), not an op: moves to persistent memory when used in a later step. */
  factory = false;
  constructor(public ptr: number, public readonly bytes: number, public owner: Owner) {}
}

const finalizer = new FinalizationRegistry<number>((ptr) => free(ptr));

const arenas = [new Arena(), new Arena()];
let steps = 0; // completed backward() calls
let genOwner: Owner = { alive: true, kind: 'step', step: 0 };
const prevOwner: Owner[] = [];
let pendingFlip = false;

interface NoGradScope { owner: Owner; arena: Arena; mark: ArenaMark }
const scopes: NoGradScope[] = [];

function stepArena(): Arena { return arenas[steps & 1]; }

function persistentStorage(bytes: number): Storage {
  const s = new Storage(alloc(bytes), bytes, PERSISTENT);
  finalizer.register(s, s.ptr, s);
  return s;
}

/** Memory for a new tensor, in the home the rules above give it. */
export function newStorage(bytes: number): Storage {
  const scope = scopes[scopes.length - 1];
  if (scope) return new Storage(scope.arena.alloc(bytes), bytes, scope.owner);
  if (steps === 0) return persistentStorage(bytes);
  return new Storage(stepArena().alloc(bytes), bytes, genOwner);
}

/** Memory that stays until garbage-collected: parameters, gradients, buffers, kept tensors. */
export function newPersistentStorage(bytes: number): Storage {
  return persistentStorage(bytes);
}

/** Moves a storage to persistent memory (no-op if it is there already). */
export function makePersistent(s: Storage): void {
  if (s.owner === PERSISTENT) return;
  const ptr = alloc(s.bytes);
  u8().copyWithin(ptr, s.ptr, s.ptr + s.bytes);
  s.ptr = ptr;
  s.owner = PERSISTENT;
  finalizer.register(s, ptr, s);
}

/**
 * Points each storage at consecutive places of one new persistent block (copying the data),
 * so a kernel can sweep them in one call. Returns the block's address.
 */
export function packStorages(storages: readonly Storage[]): number {
  const total = storages.reduce((n, s) => n + s.bytes, 0);
  const base = alloc(total);
  const block = {};
  finalizer.register(block, base);
  let at = base;
  for (const s of storages) {
    u8().copyWithin(at, s.ptr, s.ptr + s.bytes);
    if (s.owner === PERSISTENT && !s.block) { finalizer.unregister(s); free(s.ptr); }
    s.ptr = at;
    s.owner = PERSISTENT;
    s.block = block;
    at += s.bytes;
  }
  return base;
}

/** Called when a backward() completes: the step before the previous one is reclaimed. */
export function stepDone(): void {
  if (scopes.length) { pendingFlip = true; return; }
  flip();
}

function flip(): void {
  pendingFlip = false;
  steps++;
  // The arena we switch to held the tensors of two steps ago: reclaim them.
  prevOwner.push(genOwner);
  if (prevOwner.length > 1) prevOwner.shift()!.alive = false;
  // Size it like the other arena, so that both are in place once one step has run.
  stepArena().resetAll(arenas[(steps + 1) & 1].highWater);
  genOwner = { alive: true, kind: 'step', step: steps };
}

/** Runs fn in a scope whose tensors are reclaimed at its end, except those it returns. */
export function runScoped<T>(fn: () => T, onEnter: () => void, onExit: () => void): T {
  const arena = scopes.length ? scopes[scopes.length - 1].arena : stepArena();
  const scope: NoGradScope = { owner: { alive: true, kind: 'noGrad', step: steps }, arena, mark: arena.mark() };
  scopes.push(scope);
  onEnter();
  let result: T;
  try {
    result = fn();
  } finally {
    onExit();
    scopes.pop();
  }
  // Save what escapes, reclaim the scope, then give the escapees new homes.
  const escaping = new Map<Storage, Uint8Array>();
  visitStorages(result, (s) => {
    if (s.owner === scope.owner && !escaping.has(s)) escaping.set(s, u8().slice(s.ptr, s.ptr + s.bytes));
  });
  scope.owner.alive = false;
  arena.reset(scope.mark);
  for (const [s, bytes] of escaping) {
    const home = newStorage(s.bytes);
    s.ptr = home.ptr;
    s.owner = home.owner;
    if (home.owner === PERSISTENT) { finalizer.unregister(home); finalizer.register(s, s.ptr, s); }
    u8().set(bytes, s.ptr);
  }
  if (pendingFlip && !scopes.length) flip();
  return result;
}

/** Anything with a storage: set by tensor.ts so this file need not import it. */
let storageOf: (x: unknown) => Storage | null = () => null;
export function setStorageOf(f: (x: unknown) => Storage | null): void { storageOf = f; }

function visitStorages(x: unknown, f: (s: Storage) => void): void {
  const s = storageOf(x);
  if (s) { f(s); return; }
  if (Array.isArray(x)) { for (const v of x) visitStorages(v, f); return; }
  if (x && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    for (const v of Object.values(x)) visitStorages(v, f);
  }
}

/** Resolves a storage's address for use now: throws if reclaimed, promotes factory data used in a later step. */
export function livePtr(s: Storage): number {
  const o = s.owner;
  if (o !== PERSISTENT) {
    if (!o.alive) throw new Error(reclaimedMessage(o));
    if (s.factory && o.kind === 'step' && o.step !== steps) makePersistent(s);
  }
  return s.ptr;
}

/** Completed backward() calls so far. */
export function stepCount(): number { return steps; }

/** The most bytes one training step has held in its arena (the larger of the two arenas' high-water marks). */
export function arenaHighWater(): number { return Math.max(arenas[0].highWater, arenas[1].highWater); }

export function reclaimedMessage(owner: Owner): string {
  if (owner.kind === 'noGrad') {
    return 'wasmgrad: this tensor was made inside noGrad() and reclaimed when it returned; return it from the callback (or update an outer tensor in place with add_/copy_) to keep it';
  }
  return `wasmgrad: this tensor's memory was reclaimed: it was computed during training step ${owner.step} and results of operations made during training live until the second backward() after them (now at step ${steps}); call .keep() on results you use across training steps`;
}
