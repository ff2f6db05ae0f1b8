// Float64 reference for assembly/kernels/compare.ts: 1 where a op b holds, else 0.
export const OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export type CompareOp = typeof OPS[number];

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
