// The autograd graph: each op that has an input requiring grad records a Node (its inputs,
// the tensors its backward reads, and a closure, as micrograd). backward() walks the graph
// that leads to its root and nothing else, in reverse topological order, then frees the saved
// values of the nodes it walked (PyTorch's rule): another graph sharing pieces keeps working,
// and a node whose saved values are gone throws when reached again. Also grad mode (noGrad).
// Gradients are gathered as PyTorch's engine gathers them: the first contribution to a tensor's
// gradient is written (or, when it is exactly another gradient, that buffer is passed on), and
// later ones are added; nothing is zeroed first unless a kernel can only add.
import type { Tensor } from './tensor.ts';
import { kernels } from './wasm/load.ts';
import { newStorage, release, endStep, livePtr, pin, unpin, type Storage } from './memory.ts';

export interface Node {
  /** The op, for messages. */
  readonly name: string;
  readonly out: Tensor;
  /** Inputs that require grad: the edges backward() follows. */
  readonly inputs: readonly Tensor[];
  /** Tensors whose values the backward closure reads, with their storage versions when saved. */
  saved: readonly Tensor[] | null;
  readonly versions: readonly number[];
  /** Sends out's gradient (its address, and this node, for passGrad) into the inputs' gradients. */
  backward: (gOut: number, node: Node) => void;
  /** out's gradient during a backward pass (null until its first contribution). */
  grad: Storage | null;
  /** Whether grad holds a value (else the first contribution writes it). */
  gradSet: boolean;
  /** Whether grad was passed on to an input (it then belongs to that input). */
  gradMoved: boolean;
  /** Walk mark (see topo()). */
  mark: number;
  /** Whether a backward({ retainGraph: true }) pinned the saved values (see memory.ts pin()). */
  pinned: boolean;
}

export interface BackwardOptions {
  /** Keep the saved values so backward() can run through this graph again (PyTorch's retain_graph). */
  retainGraph?: boolean;
  /** The gradient of this tensor (same shape); required when it has more than one element. */
  gradient?: Tensor;
}

let noGradDepth = 0;
export function isGradEnabled(): boolean { return noGradDepth === 0; }
export function enterNoGrad(): void { noGradDepth++; }
export function exitNoGrad(): void { noGradDepth--; }

/**
 * Marks `out` as computed by op `name` from `inputs`, keeping `saved` for the backward closure.
 * Records nothing when grad mode is off or no input requires grad. Returns out.
 */
export function record(name: string, out: Tensor, inputs: readonly Tensor[], saved: readonly Tensor[], backward: (gOut: number, node: Node) => void): Tensor {
  if (noGradDepth !== 0) return out;
  let edges: Tensor[] | null = null;
  for (const t of inputs) if (t._requiresGrad) (edges ??= []).push(t);
  if (!edges) return out;
  const node: Node = {
    name, out, inputs: edges, saved, versions: saved.map((t) => t._storage.version), backward, grad: null, gradSet: false, gradMoved: false, mark: 0, pinned: false,
  };
  for (const t of saved) t._storage.savedBy++;
  out._node = node;
  out._requiresGrad = true;
  return out;
}

/**
 * @internal The address an op's backward adds (+=) input t's gradient into, during backward():
 * zeroed first if nothing was written there yet. For kernels that can only accumulate.
 */
export function gradPtr(t: Tensor): number {
  const n = t._node;
  if (!n) return t._leafGradPtr();
  const s = nodeGrad(n);
  if (!n.gradSet) { kernels().fill(livePtr(s), 0, n.out.numel()); n.gradSet = true; }
  return livePtr(s);
}

/**
 * @internal [address, acc] for a kernel that can write (acc = 0) or add (acc = 1) input t's
 * gradient: the first contribution writes, nothing zeroed (PyTorch's first gradient is moved in).
 */
export function gradTarget(t: Tensor): [number, number] {
  const n = t._node;
  if (!n) return t._leafGradTarget();
  const s = nodeGrad(n);
  const acc = n.gradSet ? 1 : 0;
  n.gradSet = true;
  return [livePtr(s), acc];
}

/**
 * @internal Input t's gradient gets `consumer`'s whole gradient, unchanged (an add's operand, a
 * view): the buffer itself is passed on when t has none yet and nobody took it, else it is added.
 */
export function passGrad(t: Tensor, consumer: Node): void {
  const n = t._node, g = consumer.grad!;
  if (n && !n.gradSet && !n.grad && !consumer.gradMoved && n.out.numel() === consumer.out.numel()) {
    n.grad = g;
    n.gradSet = true;
    consumer.gradMoved = true;
    return;
  }
  const [dst, acc] = gradTarget(t);
  if (acc) kernels().add_scalar(dst, livePtr(g), 0, t.numel(), 1);
  else kernels().copy(dst, livePtr(g), t.numel());
}

function nodeGrad(n: Node): Storage {
  return n.grad ??= newStorage(n.out.numel() * 4);
}

let pass = 0;

/** Nodes leading to root, inputs before the nodes that use them. */
function topo(root: Node): Node[] {
  const mark = ++pass;
  const order: Node[] = [];
  const stack: [Node, number][] = [[root, 0]];
  root.mark = mark;
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.inputs.length) {
      top[1]++;
      const child = node.inputs[i]._node;
      if (child && child.mark !== mark) { child.mark = mark; stack.push([child, 0]); }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order;
}

export function runBackward(root: Tensor, opts: BackwardOptions): void {
  for (const k of Object.keys(opts)) {
    if (k !== 'retainGraph' && k !== 'gradient') throw new Error(`backward: unknown option '${k}'; known: retainGraph, gradient`);
  }
  const n = root.numel();
  const gradient = opts.gradient;
  if (!root._requiresGrad) throw new Error('backward: this tensor does not require grad: set requiresGrad = true on the parameters (leaves) before computing it');
  if (gradient === undefined && n !== 1) {
    throw new Error(`backward: only a one-element tensor can start backward() without a gradient, got shape [${root.shape.join(', ')}]; pass backward({ gradient }) or reduce it first (e.g. .sum())`);
  }
  if (gradient !== undefined && (gradient.numel() !== n || gradient.dtype !== 'float32')) {
    throw new Error(`backward: gradient must be a float32 tensor with ${n} elements, got [${gradient.shape.join(', ')}] ${gradient.dtype}`);
  }
  const k = kernels();
  if (!root._node) {
    // A leaf: its gradient is the seed itself.
    const g = root._leafGradPtr();
    if (gradient) k.add_scalar(g, gradient.ptr, 0, n, 1); else k.add_scalar(g, g, 1, 1, 0);
    endStep();
    return;
  }
  const order = topo(root._node);
  for (const node of order) {
    if (!node.saved) {
      throw new Error(`backward: trying to backward through the graph a second time (the values '${node.name}' saved for it were freed by the first backward()); pass backward({ retainGraph: true }) the first time if you need to, or compute the loss again`);
    }
    for (let i = 0; i < node.saved.length; i++) {
      const t = node.saved[i];
      if (t._storage.version !== node.versions[i]) {
        throw new Error(`backward: a tensor that '${node.name}' saved for the gradient was modified in place after it was used (version ${t._storage.version}, saved at ${node.versions[i]}); do in-place updates after backward(), or compute the loss again`);
      }
    }
  }
  const seed = gradTarget(root)[0];
  if (gradient) k.copy(seed, gradient.ptr, n); else k.fill(seed, 1, 1);
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i];
      if (!node.gradSet) gradPtr(node.out); // reached by no contribution: a zero gradient, as PyTorch
      node.backward(livePtr(node.grad!), node);
    }
  } finally {
    for (const node of order) {
      if (node.grad && !node.gradMoved) release(node.grad);
      node.grad = null;
      node.gradSet = false;
      node.gradMoved = false;
      // PyTorch frees what a node saved; nodes that saved nothing (views, additions) stay usable.
      // A retained graph keeps its saved values from being reclaimed until a backward frees it.
      if (opts.retainGraph) {
        if (!node.pinned) { node.pinned = true; for (const t of node.saved!) pin(t._storage); }
      } else {
        if (node.pinned) { node.pinned = false; for (const t of node.saved!) unpin(t._storage); }
        if (node.saved!.length) { for (const t of node.saved!) t._storage.savedBy--; node.saved = null; }
      }
    }
  }
  endStep();
}
