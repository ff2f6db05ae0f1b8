// Making tensors: from JS data, constants, ranges, and PyTorch's random streams (src/random/),
// as torch's factory functions, and the in-place random fills uniform_ / normal_. Everything
// is written through a kernel or fillFromJs, so a compiled step replays it (ENGINE.md rules 1-3).
// dtypes: float32 and int32 (wasmgrad's integer dtype, where PyTorch gives int64).
import { Tensor, numelOf, fmtShape, checkInplace, type DType, type Shape } from './tensor.ts';
import { f32, i32 } from './wasm/heap.ts';
import { kernels } from './wasm/load.ts';
import { Generator } from './random/generator.ts';
import { fma32 } from './random/fma.ts';
import { checkStatus } from './wasm/status.ts';
import { checkOptions } from './ops/check.ts';

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
  if (!Array.isArray(s) || s.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${op}: invalid shape ${JSON.stringify(shape)}: sizes must be non-negative integers`);
  return s;
}

function dtypeArg(dtype: DType | undefined, dflt: DType, op: string, allowed: readonly DType[] = ['float32', 'int32']): DType {
  const d = dtype ?? dflt;
  if (!allowed.includes(d)) throw new Error(`${op}: dtype must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got '${d}'`);
  return d;
}

function finish(t: Tensor, requiresGrad: boolean | undefined, op: string): Tensor {
  if (requiresGrad) {
    if (t.dtype !== 'float32') throw new Error(`${op}: only float32 tensors can require grad, this one is ${t.dtype}`);
    t.requiresGrad = true;
  }
  return t;
}

/**
 * @internal Writes a new tensor's elements from JavaScript: f gets a typed-array view of them
 * (made fresh, since memory may have grown). Inside a compiled step this runs at every call (its
 * guard runs the step's JavaScript), into the block the program reads.
 */
export function fillFromJs(t: Tensor, f: (view: Float32Array | Int32Array) => void): void {
  const p = t._writePtr() >>> 2, n = t.numel();
  // A compiled step does this JS before its program runs: so only a new tensor may be filled this
  // way (one a kernel wrote earlier in the step would be overwritten in the wrong order).
  if (t._storage.version !== 0) throw new Error('wasmgrad: internal error: fillFromJs on a tensor already written; fill a new tensor and copy it in with a kernel');
  f((t.dtype === 'int32' ? i32() : f32()).subarray(p, p + n));
  t._storage.version++;
}

export interface FactoryOptions { dtype?: DType; requiresGrad?: boolean }

/**
 * A tensor of `shape` filled with `value` (float32 unless { dtype: 'int32' }: a JS number does not
 * say whether it is an integer, so the dtype is not inferred from it as PyTorch does).
 * @example
 *   const mask = full([T, T], -Infinity);
 */
export function full(shape: Shape | number, value: number, opts: FactoryOptions = {}): Tensor {
  checkOptions('full', opts, ['dtype', 'requiresGrad']);
  const dtype = dtypeArg(opts.dtype, 'float32', 'full');
  if (typeof value !== 'number') throw new Error(`full: fill value must be a number, got ${typeof value}`);
  if (dtype === 'int32' && !(Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31)) throw new Error(`full: an int32 tensor needs an integer fill value in int32's range, got ${value}`);
  const t = Tensor._empty(shapeArg(shape, 'full'), dtype);
  if (dtype === 'float32') kernels().fill(t.ptr, value, t.numel());
  else fillFromJs(t, (view) => view.fill(value));
  return finish(t, opts.requiresGrad, 'full');
}
/** A tensor of zeros. */
export function zeros(shape: Shape | number, opts: FactoryOptions = {}): Tensor { return full(shape, 0, opts); }
/** A tensor of ones. */
export function ones(shape: Shape | number, opts: FactoryOptions = {}): Tensor { return full(shape, 1, opts); }
/** full(x.shape, value) with x's dtype (unless given). */
export function fullLike(x: Tensor, value: number, opts: FactoryOptions = {}): Tensor { return full(x.shape, value, { dtype: x.dtype, ...opts }); }
/** zeros(x.shape) with x's dtype (unless given). */
export function zerosLike(x: Tensor, opts: FactoryOptions = {}): Tensor { return full(x.shape, 0, { dtype: x.dtype, ...opts }); }
/** ones(x.shape) with x's dtype (unless given). */
export function onesLike(x: Tensor, opts: FactoryOptions = {}): Tensor { return full(x.shape, 1, { dtype: x.dtype, ...opts }); }

/**
 * The 2-D identity: ones on the diagonal of an (n, m) matrix (m = n by default), as torch.eye.
 */
export function eye(n: number, m: number | FactoryOptions = n, opts: FactoryOptions = {}): Tensor {
  if (typeof m === 'object') { opts = m; m = n; }
  checkOptions('eye', opts, ['dtype', 'requiresGrad']);
  const cols = m;
  const t = Tensor._empty(shapeArg([n, cols], 'eye'), dtypeArg(opts.dtype, 'float32', 'eye'));
  fillFromJs(t, (view) => { view.fill(0); for (let i = 0; i < Math.min(n, cols); i++) view[i * cols + i] = 1; });
  return finish(t, opts.requiresGrad, 'eye');
}

/**
 * Values from start (inclusive) to end (exclusive) by step, as torch.arange: arange(end),
 * arange(start, end) or arange(start, end, step), with options last. As in PyTorch, all-integer
 * arguments give an integer tensor (int32 here), anything else float32; float32 values are
 * PyTorch's bit for bit (its AVX2 kernel fills blocks of 8 from a float32 base: see below).
 * @example
 *   const rows = arange(n);              // int32 [0, 1, ..., n-1]
 *   const xs = arange(-1, 1, 0.25);      // float32
 */
export function arange(...args: (number | FactoryOptions)[]): Tensor {
  const opts = (typeof args[args.length - 1] === 'object' ? args.pop() : {}) as FactoryOptions;
  checkOptions('arange', opts, ['dtype', 'requiresGrad']);
  const nums = args as number[];
  if (nums.length < 1 || nums.length > 3 || nums.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new Error(`arange: expected arange(end), arange(start, end) or arange(start, end, step) with finite numbers, got (${nums.join(', ')})`);
  }
  const [start, end, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
  const dtype = dtypeArg(opts.dtype, nums.every(Number.isInteger) ? 'int32' : 'float32', 'arange');
  if (step === 0) throw new Error('arange: step must be nonzero');
  if ((step > 0 && end < start) || (step < 0 && end > start)) throw new Error(`arange: upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`);
  const n = Math.ceil((end - start) / step);
  if (dtype === 'int32' && (!Number.isInteger(start) || !Number.isInteger(step) || Math.max(Math.abs(start), Math.abs(start + step * n)) > 2 ** 31)) {
    throw new Error(`arange: an int32 range needs integer start and step within int32, got start ${start}, step ${step}`);
  }
  const t = Tensor._empty([n], dtype);
  fillFromJs(t, (view) => {
    if (dtype === 'int32') { for (let i = 0; i < n; i++) view[i] = start + step * i; return; }
    // PyTorch (AVX2): blocks of 16 as two vectors of 8, each from base = f32(start + step·i)
    // (binary64) with lanes f32(base + k·step); the tail element by element, f32(start + step·i).
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      for (const o of [i, i + 8]) {
        const base = Math.fround(start + step * o);
        for (let k = 0; k < 8; k++) view[o + k] = base + k * step;
      }
    }
    for (; i < n; i++) view[i] = start + step * i;
  });
  return finish(t, opts.requiresGrad, 'arange');
}

/**
 * `steps` evenly spaced float32 values from start to end inclusive, as torch.linspace, bit for bit
 * (PyTorch's AVX2 kernel: a float32 step, the first half counted from start and the second from
 * end, each block's base a fused multiply-add, lanes base + k·step rounded twice).
 */
export function linspace(start: number, end: number, steps: number, opts: FactoryOptions = {}): Tensor {
  checkOptions('linspace', opts, ['dtype', 'requiresGrad']);
  dtypeArg(opts.dtype, 'float32', 'linspace', ['float32']);
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: number of steps must be a non-negative integer, got ${steps}`);
  const t = Tensor._empty([steps]);
  const a = Math.fround(start), b = Math.fround(end);
  fillFromJs(t, (view) => {
    if (steps === 1) { view[0] = a; return; }
    const step = Math.fround(Math.fround(b - a) / (steps - 1));
    const half = Math.floor(steps / 2);
    const at = (i: number) => (i < half ? fma32(step, i, a) : fma32(-step, steps - i - 1, b));
    let i = 0;
    for (; i + 16 <= steps; i += 16) {
      for (const o of [i, i + 8]) {
        const base = at(o);
        for (let k = 0; k < 8; k++) view[o + k] = base + Math.fround(k * step);
      }
    }
    for (; i < steps; i++) view[i] = at(i);
  });
  return finish(t, opts.requiresGrad, 'linspace');
}

let defaultGen: Generator | null = null;
/** The generator used when none is passed (torch's default CPU generator; seed it with manualSeed). */
export function defaultGenerator(): Generator {
  return (defaultGen ??= new Generator().manualSeed(67280421310721));
}
/**
 * Seeds the default generator, as torch.manual_seed: every random function called without a
 * { generator } then continues PyTorch's stream after torch.manual_seed(seed).
 */
export function manualSeed(seed: number | bigint): Generator { return defaultGenerator().manualSeed(seed); }

export interface RandomOptions { generator?: Generator; requiresGrad?: boolean; dtype?: DType }

function genArg(opts: { generator?: Generator }, op: string): Generator {
  const g = opts.generator ?? defaultGenerator();
  if (!(g instanceof Generator)) throw new Error(`${op}: option 'generator' must be a Generator`);
  return g;
}

/**
 * Standard normal samples, bit-identical to torch.randn with the same generator state.
 * @example
 *   const g = new Generator().manualSeed(42);
 *   const C = randn([27, 10], { generator: g });
 */
export function randn(shape: Shape | number, opts: RandomOptions = {}): Tensor {
  checkOptions('randn', opts, ['generator', 'requiresGrad', 'dtype']);
  const t = Tensor._empty(shapeArg(shape, 'randn'), dtypeArg(opts.dtype, 'float32', 'randn', ['float32']));
  const gen = genArg(opts, 'randn');
  fillFromJs(t, (view) => gen.fillRandn(view as Float32Array));
  return finish(t, opts.requiresGrad, 'randn');
}

/**
 * Uniform samples in [0, 1), bit-identical to torch.rand with the same generator state.
 * @example
 *   const u = rand([4, 3], { generator: g });
 */
export function rand(shape: Shape | number, opts: RandomOptions = {}): Tensor {
  checkOptions('rand', opts, ['generator', 'requiresGrad', 'dtype']);
  const t = Tensor._empty(shapeArg(shape, 'rand'), dtypeArg(opts.dtype, 'float32', 'rand', ['float32']));
  const gen = genArg(opts, 'rand');
  fillFromJs(t, (view) => gen.fillRand(view as Float32Array));
  return finish(t, opts.requiresGrad, 'rand');
}

/** randn(x.shape), as torch.randn_like. */
export function randnLike(x: Tensor, opts: RandomOptions = {}): Tensor { return randn(x.shape, opts); }
/** rand(x.shape), as torch.rand_like. */
export function randLike(x: Tensor, opts: RandomOptions = {}): Tensor { return rand(x.shape, opts); }

/**
 * Integers in [low, high), as torch.randint: randint(low, high, shape) or randint(high, shape),
 * options last. int32 by default (PyTorch: int64; the stream is the same for high − low < 2^32),
 * or { dtype: 'float32' }.
 * @example
 *   const ix = randint(0, Xtr.shape[0], [32], { generator: g });
 */
export function randint(lowOrHigh: number, highOrShape: number | Shape, shapeOrOpts?: Shape | number | RandomOptions, maybeOpts?: RandomOptions): Tensor {
  let low: number, high: number, shape: Shape | number, opts: RandomOptions;
  if (typeof highOrShape === 'number' && shapeOrOpts !== undefined && (typeof shapeOrOpts === 'number' || Array.isArray(shapeOrOpts))) {
    [low, high, shape, opts] = [lowOrHigh, highOrShape, shapeOrOpts as Shape | number, maybeOpts ?? {}];
  } else {
    [low, high, shape, opts] = [0, lowOrHigh, highOrShape as Shape | number, (shapeOrOpts as RandomOptions) ?? {}];
  }
  checkOptions('randint', opts, ['generator', 'dtype']);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new Error(`randint: need integers low < high, got low=${low}, high=${high}`);
  }
  const dtype = dtypeArg(opts.dtype, 'int32', 'randint');
  if (dtype === 'int32' && (low < -(2 ** 31) || high > 2 ** 31)) throw new Error(`randint: values in [${low}, ${high}) do not fit int32`);
  if (dtype === 'float32' && high - low >= 2 ** 32) throw new Error(`randint: a float32 range must be below 2^32, got [${low}, ${high})`);
  const t = Tensor._empty(shapeArg(shape, 'randint'), dtype);
  const gen = genArg(opts, 'randint');
  fillFromJs(t, (view) => {
    if (view instanceof Int32Array) gen.fillRandint(view, low, high);
    else { const v = gen.fillRandint(new Float64Array(view.length), low, high); view.set(v); }
  });
  return t;
}

/**
 * A random permutation of 0..n−1, bit-identical to torch.randperm(n) with the same generator
 * state (int32 by default, or { dtype: 'float32' }).
 * @example
 *   manualSeed(3407);
 *   const rp = randperm(words.length);   // makemore's train/test split
 */
export function randperm(n: number, opts: { generator?: Generator; dtype?: DType } = {}): Tensor {
  checkOptions('randperm', opts, ['generator', 'dtype']);
  if (!Number.isInteger(n) || n < 0) throw new Error(`randperm: n must be a non-negative integer, got ${n}`);
  const dtype = dtypeArg(opts.dtype, 'int32', 'randperm');
  if (dtype === 'float32' && n > 2 ** 24) throw new Error(`randperm: n = ${n} is too large for float32's consecutive integers (2^24); use int32`);
  const t = Tensor._empty([n], dtype);
  const gen = genArg(opts, 'randperm');
  fillFromJs(t, (view) => gen.fillRandperm(view));
  return t;
}

function inplaceTarget(t: Tensor, op: string): void {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${typeof t}`);
  if (t.dtype !== 'float32') throw new Error(`${op}: needs a float32 tensor, got ${t.dtype}`);
  if (!t.isContiguous()) throw new Error(`${op}: the tensor is a non-contiguous view; PyTorch fills those in memory order, which wasmgrad does not reproduce: fill the base tensor or a contiguous copy`);
  checkInplace(t, op);
}

/**
 * Writes draws into t in place: drawn into a new tensor from JS, then copied by a kernel, so a
 * compiled step (which runs its JS draws before its kernels) keeps the order of t's writes.
 */
function drawInto(t: Tensor, draw: (view: Float32Array) => void): Tensor {
  const tmp = Tensor._empty(t.shape);
  fillFromJs(tmp, (view) => draw(view as Float32Array));
  kernels().copy(t._writePtr(), tmp.ptr, t.numel());
  t._storage.version++;
  return t;
}

/**
 * Fills t in place with uniform samples in [from, to), bit-identical to torch's uniform_ (AVX2
 * build); returns t.
 * @example
 *   noGrad(() => W.uniform_(-bound, bound, { generator: g }));
 */
export function uniform_(t: Tensor, from = 0, to = 1, opts: { generator?: Generator } = {}): Tensor {
  inplaceTarget(t, 'uniform_');
  checkOptions('uniform_', opts, ['generator']);
  if (!(Math.fround(from) <= Math.fround(to))) throw new Error(`uniform_: expects to return a [from, to) range, but found from=${from} > to=${to}`);
  const gen = genArg(opts, 'uniform_');
  return drawInto(t, (view) => gen.fillUniform(view, from, to));
}

/** Fills t in place with normal samples (mean, std), bit-identical to torch's normal_; returns t. */
export function normal_(t: Tensor, mean = 0, std = 1, opts: { generator?: Generator } = {}): Tensor {
  inplaceTarget(t, 'normal_');
  checkOptions('normal_', opts, ['generator']);
  if (!(std >= 0)) throw new Error(`normal_: expects std >= 0.0, but found std ${std}`);
  const gen = genArg(opts, 'normal_');
  return drawInto(t, (view) => gen.fillRandn(view, mean, std));
}

export interface MultinomialOptions { generator?: Generator; replacement?: boolean }

/**
 * Samples column indices from each row of probs (1-D or 2-D, not necessarily normalised), as
 * torch.multinomial 1.13, bit-identical for the same generator state: without replacement (the
 * default) by the exponential race (p/q, q ~ Exp(1), one float32 q per category), with
 * replacement, even for one sample, by binary search of float64 uniforms in the cumulative sums.
 * @example
 *   const ix = multinomial(probs, 1, { generator: g }).item();
 *   const batch = multinomial(weights, 32, { replacement: true });
 */
export function multinomial(probs: Tensor, numSamples: number, opts: MultinomialOptions = {}): Tensor {
  checkOptions('multinomial', opts, ['generator', 'replacement']);
  if (!(probs instanceof Tensor) || probs.dtype !== 'float32') throw new Error('multinomial: probs must be a float32 Tensor');
  if (probs.ndim !== 1 && probs.ndim !== 2) throw new Error(`multinomial: probs must be 1-D or 2-D, got ${fmtShape(probs.shape)}`);
  const cols = probs.shape[probs.ndim - 1], rows = probs.ndim === 2 ? probs.shape[0] : 1;
  if (!Number.isInteger(numSamples) || numSamples < 1) throw new Error(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  const replacement = !!opts.replacement;
  if (!replacement && numSamples > cols) throw new Error(`multinomial: cannot sample ${numSamples} > ${cols} (the number of categories) without replacement`);
  if (cols > 2 ** 24) throw new Error(`multinomial: number of categories cannot exceed 2^24, got ${cols}`);
  const k = kernels();
  const p = probs.ptr;
  k.multinomial_check(p, rows, cols);
  checkStatus((r, c) => (c >= 0
    ? `multinomial: probabilities must be finite and non-negative; row ${r}, column ${c} is not`
    : `multinomial: invalid distribution: row ${r} sums to 0 (no positive probability)`));
  const out = Tensor._empty(probs.ndim === 2 ? [rows, numSamples] : [numSamples], 'int32');
  const gen = genArg(opts, 'multinomial');
  if (!replacement) {
    const q = Tensor._empty([rows, cols]);
    fillFromJs(q, (view) => gen.fillExponential(view as Float32Array));
    const heap = Tensor._empty([numSamples], 'int32');
    k.multinomial_topk(out.ptr, p, q.ptr, heap.ptr, rows, cols, numSamples);
    checkStatus((r) => `multinomial: row ${r} has fewer than ${numSamples} non-zero probabilities, so sampling ${numSamples} without replacement would pick zero-probability categories, in an order PyTorch leaves to its sort; sample fewer, or with replacement`);
  } else {
    const u = Tensor._empty([rows * numSamples * 2], 'int32'); // float64 draws, two words each
    fillFromJs(u, (view) => gen.fillRand64(new Float64Array(view.buffer, view.byteOffset, view.length / 2)));
    const cum = Tensor._empty([cols]);
    k.multinomial_cdf(out.ptr, p, u.ptr, cum.ptr, rows, cols, numSamples);
  }
  return out;
}
