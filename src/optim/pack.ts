// Moves parameters and their gradients into two contiguous blocks (llm.c's params_memory),
// so an optimizer updates all of them with one kernel call.
import type { Tensor } from '../tensor.ts';
import { packStorages, newPermanentStorage, type Storage } from '../memory.ts';
import { kernels } from '../wasm/load.ts';
import { untracked } from '../capture.ts';

export interface Packed { params: number; grads: number; count: number }

const copyBytes = (to: number, from: number, bytes: number) => kernels().copy(to, from, bytes >>> 2);

/** Checks an optimizer's parameter list: leaf float32 tensors requiring grad, each once. */
export function checkParams(op: string, params: readonly Tensor[]): void {
  if (!params.length) throw new Error(`${op}: got no parameters to optimise`);
  const seen = new Set<Tensor>();
  for (const p of params) {
    if (seen.has(p)) throw new Error(`${op}: the same parameter appears twice in the list`);
    seen.add(p);
    if (!p || typeof p !== 'object' || !('requiresGrad' in p)) throw new Error(`${op}: parameters must be Tensors`);
    if (!p.requiresGrad || p._node) throw new Error(`${op}: parameters must be leaf tensors with requiresGrad = true, got shape [${p.shape.join(', ')}]${p._node ? ' made by an op' : ''}`);
  }
}

/**
 * Packs the parameters and their gradients into one block each, when every parameter owns its
 * whole storage (a view of another tensor cannot move); null otherwise (update one by one).
 */
export function packParameters(params: readonly Tensor[]): Packed | null {
  if (params.some((p) => !p.isContiguous() || p._offset !== 0 || p._storage.bytes !== p.numel() * 4)) return null;
  const storages = new Set<Storage>();
  for (const p of params) {
    if (storages.has(p._storage)) return null; // two parameters sharing one storage
    storages.add(p._storage);
  }
  for (const p of params) {
    const had = hasGrad(p);
    p._leafGradPtr(); // make sure each has a gradient buffer to pack
    if (!had) p.grad = null;
  }
  const count = params.reduce((n, p) => n + p.numel(), 0);
  const paramsPtr = packStorages(params.map((p) => p._storage), copyBytes);
  const gradsPtr = packStorages(params.map((p) => p._leafGrad!.storage), copyBytes);
  return { params: paramsPtr, grads: gradsPtr, count };
}

/** Whether the parameters still sit where packParameters put them (nobody repacked them). */
export function stillPacked(params: readonly Tensor[], packed: Packed): boolean {
  let at = packed.params, gat = packed.grads;
  for (const p of params) {
    if (p._storage.ptr !== at || p._leafGrad?.storage.ptr !== gat) return false;
    at += p._storage.bytes; gat += p._storage.bytes;
  }
  return true;
}

/** A permanent zeroed block of n floats (optimizer state). */
export function stateBlock(n: number): Storage {
  // Made once (inside a compiled step's capture too): zeroing it is not part of every step.
  return untracked(() => {
    const s = newPermanentStorage(n * 4);
    kernels().fill(s.ptr, 0, n);
    return s;
  });
}

/** Whether a parameter holds a gradient now (without handing out its .grad tensor). */
export function hasGrad(p: Tensor): boolean { return !!p._leafGrad?.has; }
