// Float64 reference for assembly/kernels/compare.ts: 1 where a op b holds, else 0.
import type { CompareOp } from '../ops/compare.ts';
export { OPS, type CompareOp } from '../ops/compare.ts';

export function cmp(op: CompareOp, x: number, y: number): number {
  switch (op) {
    case 'eq': return x === y ? 1 : 0;
    case 'ne': return x !== y ? 1 : 0;
    case 'lt': return x < y ? 1 : 0;
    case 'le': return x <= y ? 1 : 0;
    case 'gt': return x > y ? 1 : 0;
    default: return x >= y ? 1 : 0;
  }
}
