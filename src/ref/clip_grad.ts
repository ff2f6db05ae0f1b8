// Float64 reference for assembly/kernels/clip_grad.ts: the total p-norm of several gradient
// arrays and PyTorch's clip coefficient, min(maxNorm / (total + 1e-6), 1), in float32 steps.
const f = Math.fround;

export function totalNorm(grads: ArrayLike<number>[], p: number): number {
  const all = grads.flatMap((g) => Array.from(g));
  if (p === Infinity) return all.reduce((a, x) => (Math.abs(x) > a || Number.isNaN(x) ? Math.abs(x) : a), 0);
  if (p === 0) return all.filter((x) => x !== 0).length;
  return all.reduce((a, x) => a + Math.abs(x) ** p, 0) ** (1 / p);
}

export function clipCoef(total: number, maxNorm: number): number {
  const c = f(f(1 / f(f(total) + f(1e-6))) * f(maxNorm));
  return Number.isNaN(c) ? c : Math.min(c, 1);
}
