// Float64 reference for assembly/kernels/elementwise.ts: each result rounded as one float32
// operation would be, then (acc) one float32 add, so the kernels must agree bit for bit.
const f = Math.fround;

type Op = (x: number, y: number) => number;

/** out (M,N) (+)= a op b, b (M,N), (N), (M) or (1) by bmode 0, 1, 2, 3. */
function binary(op: Op, out: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>, M: number, N: number, bmode: number, acc: number): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const bv = bmode === 0 ? b[i * N + j] : bmode === 1 ? b[j] : bmode === 2 ? b[i] : b[0];
      const r = f(op(a[i * N + j], bv));
      out[i * N + j] = acc ? f(out[i * N + j] + r) : r;
    }
  }
}

type Binary = (out: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>, M: number, N: number, bmode: number, acc: number) => void;
export const add: Binary = (...args) => binary((x, y) => x + y, ...args);
export const sub: Binary = (...args) => binary((x, y) => x - y, ...args);
export const rsub: Binary = (...args) => binary((x, y) => y - x, ...args);
export const mul: Binary = (...args) => binary((x, y) => x * y, ...args);
export const div: Binary = (...args) => binary((x, y) => x / y, ...args);
export const rdiv: Binary = (...args) => binary((x, y) => y / x, ...args);

type WithScalar = (out: Float64Array, a: ArrayLike<number>, s: number, N: number, acc: number) => void;
const withScalar = (op: Op): WithScalar => (out, a, s, N, acc) => binary(op, out, a, [f(s)], 1, N, 3, acc);
export const addScalar = withScalar((x, y) => x + y);
export const mulScalar = withScalar((x, y) => x * y);
export const rsubScalar = withScalar((x, y) => y - x);
export const divScalar = withScalar((x, y) => x / y);
export const rdivScalar = withScalar((x, y) => y / x);

export function copy(out: Float64Array, a: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) out[i] = a[i];
}

export function fill(out: Float64Array, value: number, N: number): void {
  out.fill(f(value), 0, N);
}

/** run = keep*run + mom*stat in the notebook's float32 order. */
export function emaUpdate(run: Float64Array, stat: ArrayLike<number>, keep: number, mom: number, N: number): void {
  const k = f(keep), m = f(mom);
  for (let i = 0; i < N; i++) run[i] = f(f(k * run[i]) + f(m * stat[i]));
}
