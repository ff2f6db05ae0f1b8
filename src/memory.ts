// Who owns each tensor's memory, and for how long. The rules a user learns (README, "Memory"):
//  1. Permanent: parameters (requiresGrad leaves) and their .grad, module buffers, optimizer
//     state, tensors you .keep(), and every tensor made before the first backward(). Freed
//     when garbage-collected.
//  2. Temporary: every other tensor. It stays valid while you use it: one that no op or read
//     touched during two consecutive steps is reclaimed (a step ends at each backward() and at
//     each call of a compiled step).
//  3. noGrad(fn): tensors made inside are reclaimed when fn returns, except those reachable
//     from what it returns (arrays, objects, Maps, Sets, class instances).
//  4. Using a reclaimed tensor throws, saying how to keep it; it never shows another tensor's data.
//
// Why not garbage collection alone: FinalizationRegistry callbacks (and WeakRef clearing) only
// run when JavaScript returns to the event loop, and a training loop is one long synchronous
// run, so nothing would ever be freed inside it. Why not reference counts: JavaScript cannot
// see when a variable stops pointing at a tensor. So the engine frees temporaries by use:
// a training, evaluation or sampling loop touches the same kinds of tensors every step, and
// what it stopped touching two steps ago is garbage it can no longer reach, or data it forgot
// to keep, which then throws instead of reading memory that now holds something else.
// Blocks come from the allocator in src/wasm/heap.ts; freeing one returns it there at once, so
// the next step reuses the same addresses and a steady loop stops growing after its first steps.
import { alloc, free } from './wasm/heap.ts';
import { CompileError } from './compile/error.ts';
import * as capture from './capture.ts';

// A tensor made inside a compiled step and not returned lives in the program's memory, which
// every later call overwrites: its value would follow the program, not the code that made it
// (e.g. `state = f(state)` carried from one call to the next), so using it from outside is refused.
const PROGRAM_SCRATCH = 'this tensor was made inside a compiled step and not returned from it, so it is the '
  + "program's scratch memory, which every later call overwrites (a `state = f(state)` in the step would carry it "
  + 'from one call to the next): return it from the step, or update state in place (state.mul_(0.9).add_(x))';

export type Home = 'permanent' | 'temporary' | 'scope' | 'program' | 'freed';

/** A block of wasm memory shared by a tensor and its views. */
export class Storage {
  /** The step (completed backward() calls) at which it was last used; for temporaries. */
  lastUse: number;
  /** The step at which it was made (for messages). */
  readonly madeAt: number;
  /** The noGrad() scope it belongs to, while home === 'scope'. */
  scope: Scope | null = null;
  /** Bumped by every in-place write, so autograd and copies can tell they went stale. */
  version = 0;
  /** Keeps a shared block (see packStorages) alive while this storage points into it. */
  block: object | null = null;
  /** Why it was reclaimed, for the error message. */
  freedBy: 'step' | 'noGrad' | null = null;
  /** Made during a compiled step's capture or guard: its block is the program's, never freed by the rules above. */
  captured = false;
  /** Graphs kept by backward({ retainGraph: true }) that saved this storage: not reclaimed while > 0. */
  pins = 0;
  /** Graph nodes that saved this storage for a backward() that has not run yet. */
  savedBy = 0;

  constructor(public ptr: number, public readonly bytes: number, public home: Home) {
    this.lastUse = clock;
    this.madeAt = clock;
  }
}

interface Scope { storages: Storage[] }

const finalizer = new FinalizationRegistry<number>((ptr) => free(ptr));

/** Steps a graph's saved tensors wait for their backward() (several losses per step, each backward'd in turn). */
export const GRAPH_STEPS = 8;
let clock = 0; // completed steps (backward() calls and compiled-step calls)
const scopes: Scope[] = [];
/** Temporaries by the step in which they were last touched (an entry may be stale: check lastUse). */
const buckets: Storage[][] = Array.from({ length: GRAPH_STEPS + 2 }, () => []);
let tempBytes = 0;
let tempHighWater = 0;
let moves = 0;

/** The temporaries to look at when `step` ends (steps clock - 2 .. clock + GRAPH_STEPS - 2 are in use: a ring, no allocation per step). */
function bucket(step: number): Storage[] {
  return buckets[step % buckets.length];
}

function makePermanentNow(s: Storage): void {
  s.home = 'permanent';
  finalizer.register(s, s.ptr, s);
}

/** Memory for a new tensor, in the home the rules above give it. */
export function newStorage(bytes: number): Storage {
  // (a compiled step's guard gives the address recorded for this block at its capture)
  const s = new Storage(capture.newAddress(bytes), bytes, 'temporary');
  const scope = scopes[scopes.length - 1];
  if (scope) { s.home = 'scope'; s.scope = scope; scope.storages.push(s); }
  else if (clock === 0 && !capture.watching()) makePermanentNow(s); // (a compiled step's memory is the program's)
  else addTemporary(s);
  capture.made(s);
  return s;
}

function addTemporary(s: Storage): void {
  s.home = 'temporary';
  s.lastUse = clock;
  bucket(clock).push(s);
  tempBytes += s.bytes;
  if (tempBytes > tempHighWater) tempHighWater = tempBytes;
}

/** Memory that stays until garbage-collected: parameters, gradients, buffers, kept tensors. */
export function newPermanentStorage(bytes: number): Storage {
  const s = new Storage(alloc(bytes), bytes, 'permanent');
  finalizer.register(s, s.ptr, s);
  capture.made(s);
  return s;
}

/**
 * A permanent storage made during a compiled step's call gets a block of its own, with the same
 * data (the program keeps its old block as scratch): what it holds then stays, as an eager
 * call's tensor would.
 */
export function moveToOwnBlock(s: Storage, copy: (to: number, from: number, bytes: number) => void): void {
  const p = alloc(s.bytes);
  copy(p, s.ptr, s.bytes);
  finalizer.unregister(s);
  s.ptr = p;
  s.captured = false;
  finalizer.register(s, p, s);
}

/** Makes a storage permanent (freed when garbage-collected); throws if it was reclaimed. */
export function makePermanent(s: Storage): void {
  if (s.home === 'permanent' || s.home === 'program') return;
  if (s.home === 'freed') throw new Error(reclaimedMessage(s));
  if (s.home === 'temporary') tempBytes -= s.bytes;
  if (s.home === 'scope') { const l = s.scope!.storages; l.splice(l.indexOf(s), 1); s.scope = null; }
  makePermanentNow(s);
}

/** Hands a storage made during a capture to the compiled program that owns it from now on. */
export function giveToProgram(s: Storage): void {
  if (s.home === 'permanent') { finalizer.unregister(s); }
  else if (s.home === 'temporary') tempBytes -= s.bytes;
  else if (s.home === 'scope') { const l = s.scope!.storages; l.splice(l.indexOf(s), 1); s.scope = null; }
  s.home = 'program';
}

/** The address of a storage for use now: throws if it was reclaimed, and marks it used. */
export function livePtr(s: Storage): number {
  const home = s.home;
  if (home === 'temporary') {
    if (s.lastUse !== clock) { s.lastUse = clock; bucket(clock).push(s); }
  } else if (home === 'freed') {
    throw new Error(reclaimedMessage(s));
  } else if (home === 'program') {
    throw new CompileError(PROGRAM_SCRATCH);
  }
  capture.touched(s);
  return s.ptr;
}

/** Ends a step (a backward() or a compiled-step call): reclaims temporaries untouched for two steps. */
export function endStep(): void {
  clock++;
  if (clock < 2) return;
  const old = bucket(clock - 2);
  // (entries pushed while this runs go to other buckets: lastUse + GRAPH_STEPS - 2 > clock - 2)
  for (let i = 0; i < old.length; i++) {
    const s = old[i];
    if (s.home !== 'temporary' || s.lastUse > clock - 2 || s.pins > 0) continue;
    // Saved for a backward() that has not run yet: kept up to GRAPH_STEPS steps for it.
    if (s.savedBy > 0 && s.lastUse > clock - GRAPH_STEPS) { bucket(s.lastUse + GRAPH_STEPS - 2).push(s); continue; }
    s.home = 'freed';
    s.freedBy = 'step';
    tempBytes -= s.bytes;
    if (!s.captured) free(s.ptr);
  }
  old.length = 0;
}

/** Keeps a temporary from being reclaimed (a retained graph saved it) until unpin(). */
export function pin(s: Storage): void { s.pins++; }
/** Undoes pin(); the storage is reclaimed once unused for two steps from now. */
export function unpin(s: Storage): void {
  if (--s.pins === 0 && s.home === 'temporary') { s.lastUse = clock; bucket(clock).push(s); }
}

/** Frees a temporary or scoped storage now (scratch nobody else can reach, e.g. backward's gradients). */
export function release(s: Storage): void {
  if (s.home === 'temporary') tempBytes -= s.bytes;
  else if (s.home === 'scope') { const l = s.scope!.storages; l.splice(l.indexOf(s), 1); s.scope = null; }
  else return;
  s.home = 'freed';
  s.freedBy = 'step';
  if (!s.captured) free(s.ptr);
}

/** Runs fn in a scope whose tensors are reclaimed at its end, except those reachable from its result. */
export function runScoped<T>(fn: () => T, onEnter: () => void, onExit: () => void): T {
  const scope: Scope = { storages: [] };
  scopes.push(scope);
  onEnter();
  let result: T;
  try {
    result = fn();
  } finally {
    onExit();
    scopes.pop();
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    reclaimScope(scope, new Set());
    throw new Error('noGrad: the callback returned a Promise; noGrad(fn) covers synchronous code only (grad mode is global in JavaScript, so it cannot span an await): await first, then call noGrad(() => ...) on the synchronous part');
  }
  const keep = new Set<Storage>();
  visitStorages(result, (s) => { if (s.scope === scope) keep.add(s); }, new Set());
  reclaimScope(scope, keep);
  return result;
}

function reclaimScope(scope: Scope, keep: Set<Storage>): void {
  const outer = scopes[scopes.length - 1];
  for (const s of scope.storages) {
    if (s.scope !== scope) continue;
    s.scope = null;
    if (keep.has(s)) {
      if (outer) { s.scope = outer; outer.storages.push(s); }
      else if (clock === 0 && !capture.watching()) makePermanentNow(s);
      else addTemporary(s);
    } else {
      s.home = 'freed';
      s.freedBy = 'noGrad';
      if (!s.captured) free(s.ptr);
    }
  }
}

/** Anything with a storage: set by tensor.ts so this file need not import it. */
let storageOf: (x: unknown) => Storage | null = () => null;
export function setStorageOf(f: (x: unknown) => Storage | null): void { storageOf = f; }

/** Calls f on the storage of every tensor reachable from x (arrays, objects, Maps, Sets, class instances). */
function visitStorages(x: unknown, f: (s: Storage) => void, seen: Set<object>): void {
  if (x === null || typeof x !== 'object') return;
  if (seen.has(x)) return;
  seen.add(x);
  const s = storageOf(x);
  if (s) { f(s); return; }
  if (ArrayBuffer.isView(x)) return;
  if (x instanceof Map) { for (const [k, v] of x) { visitStorages(k, f, seen); visitStorages(v, f, seen); } return; }
  if (x instanceof Set || Array.isArray(x)) { for (const v of x) visitStorages(v, f, seen); return; }
  for (const k of Object.keys(x)) visitStorages((x as Record<string, unknown>)[k], f, seen);
}

/**
 * Points each storage at consecutive places of one new permanent block (copying the data),
 * so a kernel can sweep them in one call. Returns the block's address.
 */
export function packStorages(storages: readonly Storage[], copy: (to: number, from: number, bytes: number) => void): number {
  const total = storages.reduce((n, s) => n + s.bytes, 0);
  const base = alloc(total);
  const block = {};
  finalizer.register(block, base);
  let at = base;
  for (const s of storages) {
    if (s.home === 'freed') throw new Error(reclaimedMessage(s));
    copy(at, s.ptr, s.bytes);
    if (s.home === 'permanent' && !s.block) { finalizer.unregister(s); free(s.ptr); }
    else if (s.home === 'temporary') { tempBytes -= s.bytes; free(s.ptr); }
    s.ptr = at;
    s.home = 'permanent';
    s.block = block;
    at += s.bytes;
  }
  moves++;
  return base;
}

/** Completed steps so far. */
export function stepCount(): number { return clock; }
/** How many times storages were moved (a compiled step recaptures when this changes). */
export function storageMoves(): number { return moves; }
/** Bytes held by temporaries now, and the most they ever held. */
export function temporaryBytes(): { now: number; highWater: number } { return { now: tempBytes, highWater: tempHighWater }; }
/** Whether code runs inside noGrad() now. */
export function inScope(): boolean { return scopes.length > 0; }

export function reclaimedMessage(s: Storage): string {
  if (s.freedBy === 'noGrad') {
    return 'wasmgrad: this tensor was made inside noGrad() and reclaimed when the callback returned; return it from the callback (on its own, or inside an array, object, Map or class instance) to keep it, or update an outer tensor in place with copy_()';
  }
  return `wasmgrad: this tensor's memory was reclaimed: it was last used during step ${s.lastUse} (made during step ${s.madeAt}), and a tensor made during training that is not used for two steps is freed (now at step ${clock}; a step ends at each backward()); call .keep() on tensors you use again later`;
}
