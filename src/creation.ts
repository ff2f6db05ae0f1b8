// Making tensors: from JS data, constants, and PyTorch's random streams (src/random/).
import { Tensor, numelOf, fmtShape, type DType, type Shape } from './tensor.ts';
import { f32, i32 } from './wasm/heap.ts';
import { kernels } from './wasm/load.ts';
import { Generator } from './random/generator.ts';
import { everyCall } from './compile/hooks.ts';

export interface TensorOptions {
  dtype?: DType;
  /** Required with a flat typed array or flat number array meant as more than 1-D. */
  shape?: Shape;
  requiresGrad?: boolean;
}

type Nested = number | readonly Nested[];

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let d: Nested = data;
  while (Array.isArray(d)) { shape.push(d.length); d = d[0] as Nested; }
  return shape;
}

function flatten(data: Nested, shape: number[], out: number[], dim = 0): void {
  if (dim === shape.length) {
    if (typeof data !== 'number') throw new Error(`tensor: expected a number at depth ${dim}, got ${Array.isArray(data) ? 'an array' : typeof data}`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new Error(`tensor: ragged nested array: expected length ${shape[dim]} at depth ${dim}`);
  }
  for (const v of data) flatten(v, shape, out, dim + 1);
}

/**
 * A tensor from nested arrays, a number, or a typed array (with `shape`).
 * @example
 *   const X = tensor([[0, 0, 5], [0, 5, 13]], { dtype: 'int32' });
 *   const w = tensor(new Float32Array(6), { shape: [2, 3], requiresGrad: true });
 */
export function tensor(data: Nested | Float32Array | Int32Array | ArrayLike<number>, opts: TensorOptions = {}): Tensor {
  let flat: ArrayLike<number>;
  let shape: Shape;
  if (ArrayBuffer.isView(data) || (!Array.isArray(data) && typeof data === 'object')) {
    flat = data as ArrayLike<number>;
    shape = opts.shape ?? [flat.length];
  } else {
    const s = inferShape(data as Nested);
    const out: number[] = [];
    flatten(data as Nested, s, out);
    flat = out;
    shape = opts.shape ?? s;
  }
  if (numelOf(shape) !== flat.length) throw new Error(`tensor: shape ${fmtShape(shape)} needs ${numelOf(shape)} values, got ${flat.length}`);
  const dtype: DType = opts.dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
  if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`tensor: dtype must be 'float32' or 'int32', got '${dtype}'`);
  const t = Tensor._empty(shape, dtype);
  if (dtype === 'int32') {
    for (let i = 0; i < flat.length; i++) {
      if (!Number.isInteger(flat[i])) throw new Error(`tensor: int32 data must be integers, got ${flat[i]} at ${i}`);
    }
  }
  const values = dtype === 'int32' ? (flat instanceof Int32Array ? flat : Int32Array.from(flat)) : (flat instanceof Float32Array ? flat : Float32Array.from(flat));
  fillFromJs(t, (view) => view.set(values));
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

function shapeArg(shape: Shape | number, op: string): Shape {
  const s = typeof shape === 'number' ? [shape] : shape;
  if (!Array.isArray(s) || s.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${op}: invalid shape ${JSON.stringify(shape)}`);
  return s;
}

/** A float32 tensor filled with `value`. */
/**
 * @internal Writes a new tensor's elements from JavaScript: f gets a typed-array view of them
 * (made fresh, since memory may have grown). Data and random draws made this way inside a
 * compiled step are made again at every call, in the same order (see src/compile/).
 */
export function fillFromJs(t: Tensor, f: (view: Float32Array | Int32Array) => void): void {
  everyCall(() => {
    const p = t._writePtr() >>> 2, n = t.numel();
    f(t.dtype === 'int32' ? i32().subarray(p, p + n) : f32().subarray(p, p + n));
    t._storage.version++;
  });
}

export function full(shape: Shape | number, value: number, opts: { requiresGrad?: boolean } = {}): Tensor {
  const t = Tensor._empty(shapeArg(shape, 'full'));
  kernels().fill(t.ptr, value, t.numel());
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}
export function zeros(shape: Shape | number, opts: { requiresGrad?: boolean } = {}): Tensor { return full(shape, 0, opts); }
export function ones(shape: Shape | number, opts: { requiresGrad?: boolean } = {}): Tensor { return full(shape, 1, opts); }

let defaultGen: Generator | null = null;
/** The generator used when none is passed (seed it with manualSeed). */
export function defaultGenerator(): Generator {
  return (defaultGen ??= new Generator().manualSeed(67280421310721));
}
/** Seeds the default generator, like torch.manual_seed. */
export function manualSeed(seed: number | bigint): Generator { return defaultGenerator().manualSeed(seed); }

export interface RandomOptions { generator?: Generator; requiresGrad?: boolean }

/**
 * Standard normal samples, bit-identical to torch.randn with the same generator state.
 * @example
 *   const g = new Generator().manualSeed(42);
 *   const C = randn([27, 10], { generator: g });
 */
export function randn(shape: Shape | number, opts: RandomOptions = {}): Tensor {
  const t = Tensor._empty(shapeArg(shape, 'randn'));
  const gen = opts.generator ?? defaultGenerator();
  fillFromJs(t, (view) => gen.fillRandn(view as Float32Array));
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Integers in [low, high), as torch.randint (int32 here). */
export function randint(low: number, high: number, shape: Shape | number, opts: { generator?: Generator } = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new Error(`randint: need integers low < high, got low=${low}, high=${high}`);
  }
  if (low < -(2 ** 31) || high > 2 ** 31) throw new Error('randint: bounds must fit in int32');
  const t = Tensor._empty(shapeArg(shape, 'randint'), 'int32');
  const gen = opts.generator ?? defaultGenerator();
  fillFromJs(t, (view) => gen.fillRandint(view as Int32Array, low, high));
  return t;
}

/**
 * Samples indices from each row of probs (without replacement), as torch.multinomial.
 * @example
 *   const ix = multinomial(probs, 1, { generator: g }).item();
 */
export function multinomial(probs: Tensor, numSamples: number, opts: { generator?: Generator; replacement?: boolean } = {}): Tensor {
  if (!(probs instanceof Tensor) || probs.dtype !== 'float32') throw new Error('multinomial: probs must be a float32 Tensor');
  if (probs.ndim !== 1 && probs.ndim !== 2) throw new Error(`multinomial: probs must be 1-D or 2-D, got ${fmtShape(probs.shape)}`);
  const cols = probs.shape[probs.ndim - 1], rows = probs.ndim === 2 ? probs.shape[0] : 1;
  if (!Number.isInteger(numSamples) || numSamples < 1) throw new Error(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  if (opts.replacement && numSamples > 1) throw new Error('multinomial: sampling more than one with replacement is not supported yet');
  if (numSamples > cols) throw new Error(`multinomial: cannot sample ${numSamples} without replacement from ${cols} categories`);
  const data = probs.toArray() as Float32Array;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c];
      if (!(v >= 0) || v === Infinity) throw new Error(`multinomial: probabilities must be finite and non-negative, got ${v} in row ${r}`);
      s += v;
    }
    if (s <= 0) throw new Error(`multinomial: row ${r} has no positive probability`);
  }
  const gen = opts.generator ?? defaultGenerator();
  let picked: Int32Array;
  if (numSamples === 1) picked = gen.multinomial(data, rows, cols);
  else {
    // Without replacement torch keeps the numSamples largest p/q (q ~ Exp(1)), largest first.
    picked = new Int32Array(rows * numSamples);
    const q = new Float32Array(cols);
    for (let r = 0; r < rows; r++) {
      gen.fillExponential(q);
      const ratio = Array.from(q, (qi, c) => Math.fround(data[r * cols + c] / qi));
      const order = ratio.map((_, c) => c).sort((a, b) => ratio[b] - ratio[a] || a - b);
      picked.set(order.slice(0, numSamples), r * numSamples);
    }
  }
  return tensor(picked, { dtype: 'int32', shape: probs.ndim === 2 ? [rows, numSamples] : [numSamples] });
}
