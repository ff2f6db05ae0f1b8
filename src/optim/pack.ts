// Moves parameters and their gradients into two contiguous blocks (llm.c's params_memory),
// so an optimizer updates all of them with one kernel call.
import type { Tensor } from '../tensor.ts';
import { packStorages } from '../scope.ts';

export interface Packed { params: { ptr: number }; grads: { ptr: number }; count: number }

export function packParameters(params: readonly Tensor[]): Packed {
  const seen = new Set<Tensor>();
  for (const p of params) {
    if (seen.has(p)) throw new Error('optimizer: the same parameter appears twice in the list');
    seen.add(p);
    if (!p.requiresGrad || p._node) throw new Error(`optimizer: parameters must be leaf tensors with requiresGrad = true, got ${p}`);
    p.gradPtr(); // make sure each has a gradient buffer to pack
    p.grad = null;
  }
  const count = params.reduce((n, p) => n + p.numel(), 0);
  const paramsPtr = packStorages(params.map((p) => p._storage));
  const gradsPtr = packStorages(params.map((p) => p._gradStorage!));
  return { params: { ptr: paramsPtr }, grads: { ptr: gradsPtr }, count };
}

/** Whether the parameters still sit where packParameters put them (nobody repacked them). */
export function stillPacked(params: readonly Tensor[], packed: Packed): boolean {
  let at = packed.params.ptr, gat = packed.grads.ptr;
  for (const p of params) {
    if (p._storage.ptr !== at || p._gradStorage?.ptr !== gat) return false;
    at += p._storage.bytes; gat += p._storage.bytes;
  }
  return true;
}
