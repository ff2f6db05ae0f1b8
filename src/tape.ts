// The autograd tape: ops are recorded in forward order and replayed in reverse by
// backward() (llm.c's gpt2_backward, micrograd's closures). Also the grad-mode switch.
import type { Tensor } from './tensor.ts';

export interface Node {
  /** The op's output; its backward runs only if the output received a gradient. */
  out: Tensor;
  backward: () => void;
}

let tape: Node[] = [];
let noGradDepth = 0;

export function isGradEnabled(): boolean { return noGradDepth === 0; }
export function enterNoGrad(): void { noGradDepth++; }
export function exitNoGrad(): void { noGradDepth--; }

/**
 * Marks `out` as computed from `inputs` and remembers how to send its gradient back.
 * Records nothing when grad mode is off or no input requires grad.
 */
export function record(out: Tensor, inputs: readonly Tensor[], backward: () => void): Tensor {
  if (noGradDepth !== 0) return out;
  let needs = false;
  for (const t of inputs) if (t.requiresGrad) { needs = true; break; }
  if (!needs) return out;
  const node: Node = { out, backward };
  out._node = node;
  out._requiresGrad = true;
  tape.push(node);
  return out;
}

/** Runs the backward closures of every node up to `root`'s, newest first, then drops them. */
export function runBackward(root: Node | null): void {
  const last = root ? tape.lastIndexOf(root) : -1;
  for (let i = last; i >= 0; i--) {
    const node = tape[i];
    if (node.out._hasGrad) node.backward();
  }
  if (last >= 0) tape = tape.slice(last + 1);
}

/** Forgets nodes whose outputs were reclaimed (graphs that never ran backward). */
export function pruneTape(): void {
  if (tape.length && !tape[0].out._storage.owner.alive) tape = tape.filter((n) => n.out._storage.owner.alive);
}

/** Number of recorded nodes not yet consumed by a backward() (for tests). */
export function tapeLength(): number { return tape.length; }
