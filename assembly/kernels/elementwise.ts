// Pointwise binary ops on (M,N) with a broadcast second operand, their scalar-number forms,
// copy/fill and the batch-norm running-statistic update. No backward kernels: the TS ops build
// gradients from these same kernels with acc=1 (d(a*b)/da = b is `mul(da, dout, b, .., acc=1)`).

// NOTE: every result is one IEEE float32 operation, then (acc=1) one float32 add into out:
// out = f32(out + f32(a op b)). The SIMD body, the scalar tail and the scalar build agree bit
// for bit. out may alias a (or b when bmode=0): each element is read before it is written.

const ADD = 0;
const SUB = 1;
const RSUB = 2;
const MUL = 3;
const DIV = 4;
const RDIV = 5;

// `op` is always a literal at the call site, so after inlining the branches fold away.
// @ts-ignore: decorator
@inline function vop(op: i32, x: v128, y: v128): v128 {
  if (op == ADD) return f32x4.add(x, y);
  if (op == SUB) return f32x4.sub(x, y);
  if (op == RSUB) return f32x4.sub(y, x);
  if (op == MUL) return f32x4.mul(x, y);
  if (op == DIV) return f32x4.div(x, y);
  return f32x4.div(y, x);
}

// @ts-ignore: decorator
@inline function sop(op: i32, x: f32, y: f32): f32 {
  if (op == ADD) return x + y;
  if (op == SUB) return x - y;
  if (op == RSUB) return y - x;
  if (op == MUL) return x * y;
  if (op == DIV) return x / y;
  return y / x;
}

// out[i] (+)= a[i] op b[i] for i < n.
// @ts-ignore: decorator
@inline function full(op: i32, out: usize, a: usize, b: usize, n: i32, acc: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      let r = vop(op, v128.load(a + o), v128.load(b + o));
      if (acc) r = f32x4.add(v128.load(out + o), r);
      v128.store(out + o, r);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let r = sop(op, load<f32>(a + o), load<f32>(b + o));
    if (acc) r = load<f32>(out + o) + r;
    store<f32>(out + o, r);
  }
}

// out[i] (+)= a[i] op s for i < n.
// @ts-ignore: decorator
@inline function splat(op: i32, out: usize, a: usize, s: f32, n: i32, acc: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(s);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      let r = vop(op, v128.load(a + o), vs);
      if (acc) r = f32x4.add(v128.load(out + o), r);
      v128.store(out + o, r);
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let r = sop(op, load<f32>(a + o), s);
    if (acc) r = load<f32>(out + o) + r;
    store<f32>(out + o, r);
  }
}

// @ts-ignore: decorator
@inline function binaryAcc(op: i32, out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: bool): void {
  if (bmode == 0) {
    full(op, out, a, b, M * N, acc);
  } else if (bmode == 1) {
    const row = <usize>N << 2;
    for (let r = 0; r < M; r++) full(op, out + <usize>r * row, a + <usize>r * row, b, N, acc);
  } else if (bmode == 2) {
    const row = <usize>N << 2;
    for (let r = 0; r < M; r++) splat(op, out + <usize>r * row, a + <usize>r * row, load<f32>(b + (<usize>r << 2)), N, acc);
  } else {
    splat(op, out, a, load<f32>(b), M * N, acc);
  }
}

// @ts-ignore: decorator
@inline function binary(op: i32, out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32): void {
  if (acc) binaryAcc(op, out, a, b, M, N, bmode, true);
  else binaryAcc(op, out, a, b, M, N, bmode, false);
}

// @ts-ignore: decorator
@inline function scalarOp(op: i32, out: usize, a: usize, s: f32, N: i32, acc: i32): void {
  if (acc) splat(op, out, a, s, N, true);
  else splat(op, out, a, s, N, false);
}

// a (M,N) op b -> out (M,N), b by bmode: 0 = (M,N), 1 = row (N), 2 = column (M), 3 = b[0].
// acc: 0 = out = result, 1 = out += result. ref: src/ref/elementwise.ts
// Threads (the five ops below say `@same add`): w is the elements per unit.
// @split bmode == 1 || bmode == 2 ? M : M*N -> addShare
// @let w = bmode == 1 || bmode == 2 ? N : 1
// @reads a[u0*w : u1*w], b[u0*w : u1*w] if bmode == 0, b[0:N] if bmode == 1, b[u0:u1] if bmode == 2, b[0:1] if bmode == 3
// @writes out[u0*w : u1*w]
export function add(out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32): void { binary(ADD, out, a, b, M, N, bmode, acc); }
export function addShare(out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32, u0: i32, u1: i32): void { binaryShare(ADD, out, a, b, M, N, bmode, acc, u0, u1); }
/** a - b */
// @split bmode == 1 || bmode == 2 ? M : M*N -> subShare
// @same add
export function sub(out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32): void { binary(SUB, out, a, b, M, N, bmode, acc); }
export function subShare(out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32, u0: i32, u1: i32): void { binaryShare(SUB, out, a, b, M, N, bmode, acc, u0, u1); }
/** b - a */
// @split bmode == 1 || bmode == 2 ? M : M*N -> rsubShare
// @same add
export function rsub(out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32): void { binary(RSUB, out, a, b, M, N, bmode, acc); }
export function rsubShare(out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32, u0: i32, u1: i32): void { binaryShare(RSUB, out, a, b, M, N, bmode, acc, u0, u1); }
// @split bmode == 1 || bmode == 2 ? M : M*N -> mulShare
// @same add
export function mul(out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32): void { binary(MUL, out, a, b, M, N, bmode, acc); }
export function mulShare(out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32, u0: i32, u1: i32): void { binaryShare(MUL, out, a, b, M, N, bmode, acc, u0, u1); }
/** a / b */
// @split bmode == 1 || bmode == 2 ? M : M*N -> divShare
// @same add
export function div(out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32): void { binary(DIV, out, a, b, M, N, bmode, acc); }
export function divShare(out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32, u0: i32, u1: i32): void { binaryShare(DIV, out, a, b, M, N, bmode, acc, u0, u1); }
/** b / a */
// @split bmode == 1 || bmode == 2 ? M : M*N -> rdivShare
// @same add
export function rdiv(out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32): void { binary(RDIV, out, a, b, M, N, bmode, acc); }
export function rdivShare(out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32, u0: i32, u1: i32): void { binaryShare(RDIV, out, a, b, M, N, bmode, acc, u0, u1); }

// Units [u0, u1) of a binary op, as a call of the op itself: rows (bmode 1 and 2) or elements
// (bmode 0 and 3). Each element is one IEEE operation, so any split gives the same bits.
// @ts-ignore: decorator
@inline function binaryShare(op: i32, out: usize, a: usize, b: usize, M: i32, N: i32, bmode: i32, acc: i32, u0: i32, u1: i32): void {
  const rows = bmode == 1 || bmode == 2;
  const at = rows ? <usize>u0 * (<usize>N << 2) : <usize>u0 << 2;
  const bb = bmode == 0 ? b + at : bmode == 2 ? b + (<usize>u0 << 2) : b;
  const m = rows ? u1 - u0 : 1, n = rows ? N : u1 - u0;
  if (op == ADD) add(out + at, a + at, bb, m, n, bmode, acc);
  else if (op == SUB) sub(out + at, a + at, bb, m, n, bmode, acc);
  else if (op == RSUB) rsub(out + at, a + at, bb, m, n, bmode, acc);
  else if (op == MUL) mul(out + at, a + at, bb, m, n, bmode, acc);
  else if (op == DIV) div(out + at, a + at, bb, m, n, bmode, acc);
  else rdiv(out + at, a + at, bb, m, n, bmode, acc);
}

// a (N) op s -> out (N) for a JS number s (already rounded to f32). ref: src/ref/elementwise.ts
// (a - s is add_scalar with -s: negation is exact, so no sub_scalar is needed.)
// Threads: by elements (the same directives for the five).
// @split N: out += 1, a += 1
// @reads a[u0:u1]
// @writes out[u0:u1]
export function add_scalar(out: usize, a: usize, s: f32, N: i32, acc: i32): void { scalarOp(ADD, out, a, s, N, acc); }
// @same add_scalar
export function mul_scalar(out: usize, a: usize, s: f32, N: i32, acc: i32): void { scalarOp(MUL, out, a, s, N, acc); }
/** s - a */
// @same add_scalar
export function rsub_scalar(out: usize, a: usize, s: f32, N: i32, acc: i32): void { scalarOp(RSUB, out, a, s, N, acc); }
/** a / s. NOTE: a true division, not a * (1/s), which would round twice. */
// @same add_scalar
export function div_scalar(out: usize, a: usize, s: f32, N: i32, acc: i32): void { scalarOp(DIV, out, a, s, N, acc); }
/** s / a */
// @same add_scalar
export function rdiv_scalar(out: usize, a: usize, s: f32, N: i32, acc: i32): void { scalarOp(RDIV, out, a, s, N, acc); }

// a (N) -> out (N). Overlapping ranges are fine (memmove). ref: src/ref/elementwise.ts
// (Threads: split only when out and a do not overlap, as src/compile/thread_plan.ts checks for every kernel.)
// @split N: out += 1, a += 1
// @reads a[u0:u1]
// @writes out[u0:u1]
export function copy(out: usize, a: usize, N: i32): void {
  memory.copy(out, a, <usize>N << 2);
}

// value -> out (N). ref: src/ref/elementwise.ts
// @split N: out += 1
// @writes out[u0:u1]
export function fill(out: usize, value: f32, N: i32): void {
  if (reinterpret<u32>(value) == 0) { // +0 only: -0 has its sign bit set
    memory.fill(out, 0, <usize>N << 2);
    return;
  }
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(value);
    for (; i + 4 <= N; i += 4) v128.store(out + (<usize>i << 2), v);
  }
  for (; i < N; i++) store<f32>(out + (<usize>i << 2), value);
}

// run (N) = keep * run + mom * stat, stat (N): the running mean/std of the notebook's batch norm.
// NOTE: the notebook writes `0.999 * bnmean_running + 0.001 * bnmeani`; in float32 that is
// f32(f32(keep*run) + f32(mom*stat)), with keep = f32(0.999) (not 1 - mom). ref: src/ref/elementwise.ts
// @split N: run += 1, stat += 1
// @reads stat[u0:u1]
// @writes run[u0:u1]
export function ema_update(run: usize, stat: usize, keep: f32, mom: f32, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vk = f32x4.splat(keep), vm = f32x4.splat(mom);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      v128.store(run + o, f32x4.add(f32x4.mul(vk, v128.load(run + o)), f32x4.mul(vm, v128.load(stat + o))));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(run + o, keep * load<f32>(run + o) + mom * load<f32>(stat + o));
  }
}

// out (N) int32 = a (N) int32 + s: integer counters (BatchNorm's num_batches_tracked).
// @split N: out += 1, a += 1
// @reads a[u0:u1]
// @writes out[u0:u1]
export function add_scalar_i32(out: usize, a: usize, s: i32, N: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    store<i32>(out + o, load<i32>(a + o) + s);
  }
}
