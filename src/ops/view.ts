// view / reshape (same data, new shape; -1 infers one size) and detach.
import { Tensor, numelOf, fmtShape } from '../tensor.ts';
import { record } from '../tape.ts';
import { kernels } from '../wasm/load.ts';

export function view(x: Tensor, args: readonly (number | readonly number[])[]): Tensor {
  const asked = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as number[];
  const n = x.numel();
  const infer = asked.indexOf(-1);
  if (asked.some((d, i) => !Number.isInteger(d) || d < -1 || (d === -1 && i !== infer))) {
    throw new Error(`view: invalid shape ${fmtShape(asked)}: sizes must be non-negative integers, with at most one -1`);
  }
  const known = numelOf(asked.filter((d) => d !== -1));
  const shape = [...asked];
  if (infer >= 0) {
    if (known === 0 || n % known !== 0) throw new Error(`view: shape ${fmtShape(asked)} is invalid for input of size ${n} (shape ${fmtShape(x.shape)})`);
    shape[infer] = n / known;
  }
  if (numelOf(shape) !== n) throw new Error(`view: shape ${fmtShape(asked)} is invalid for input of size ${n} (shape ${fmtShape(x.shape)})`);
  const out = new Tensor(shape, x.dtype, x._storage);
  // The view shares data but has its own gradient buffer: send it back to x.
  return record(out, [x], () => kernels().add_scalar(x.gradPtr(), out.gradPtr(), 0, n, 1));
}

export function detach(x: Tensor): Tensor { return x.detach(); }
