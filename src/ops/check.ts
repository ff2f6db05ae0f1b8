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
