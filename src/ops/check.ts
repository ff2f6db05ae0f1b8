// Argument checks shared by the ops: thrown in TypeScript before any kernel runs,
// naming the op, the argument and the shapes.
import { Tensor, fmtShape, type Shape } from '../tensor.ts';

export function expectTensor(x: unknown, op: string, arg: string): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: argument '${arg}' must be a Tensor, got ${typeof x}`);
  return x;
}

export function expectFloat(t: Tensor, op: string, arg: string): void {
  if (t.dtype !== 'float32') throw new Error(`${op}: argument '${arg}' must be float32, got ${t.dtype}`);
}

export function expectInt(t: Tensor, op: string, arg: string): void {
  if (t.dtype !== 'int32') throw new Error(`${op}: argument '${arg}' must be int32 (indices), got ${t.dtype}`);
}

export function expectNdim(t: Tensor, n: number, op: string, arg: string): void {
  if (t.shape.length !== n) throw new Error(`${op}: argument '${arg}' must be ${n}-D, got shape ${fmtShape(t.shape)}`);
}

/** Normalises a dim (negative counts from the end) or throws naming the op. */
export function normDim(dim: number, ndim: number, op: string): number {
  const d = dim < 0 ? dim + ndim : dim;
  if (!Number.isInteger(dim) || d < 0 || d >= ndim) throw new Error(`${op}: dim ${dim} is out of range for a ${ndim}-D tensor`);
  return d;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws on option keys the op does not know (a typo would otherwise be ignored silently). */
export function checkOptions(op: string, opts: object | undefined, known: readonly string[]): void {
  if (opts === undefined || opts === null) return;
  if (typeof opts !== 'object') throw new Error(`${op}: options must be an object, got ${typeof opts}`);
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new Error(`${op}: unknown option '${k}'; known: ${known.join(', ')}`);
  }
}

/** Normalises a list of dims (negative count from the end); throws on repeats. */
export function normDims(dims: number | readonly number[], ndim: number, op: string): number[] {
  const list = typeof dims === 'number' ? [dims] : [...dims];
  const out = list.map((d) => normDim(d, Math.max(ndim, 1), op));
  if (new Set(out).size !== out.length) throw new Error(`${op}: dim ${JSON.stringify(list)} repeats a dim`);
  return out;
}

/** The broadcast of two shapes by PyTorch's rules; throws naming the op if they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast (dim ${i - n}: ${da} vs ${db})`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}
