// checkOp: the engine's backward against central finite differences of a float64 reference
// (micrograd / tinygrad style). The loss is Σ out·w with fixed random weights w, so every
// output element's gradient path is exercised.
import * as assert from 'uvu/assert';
import { tensor, type Tensor } from '../../src/index.ts';
import { uniform } from './kernels.ts';

export type Ref = (inputs: Float64Array[]) => Float64Array;

export interface CheckOptions {
  /** Inputs' values (default uniform in [-1, 1)). */
  values?: (i: number, n: number) => Float64Array;
  /** Absolute tolerance on gradients, relative to the largest reference gradient. */
  rel?: number;
  /** Which inputs get a gradient (default all). */
  wrt?: number[];
  seed?: number;
}

/** Returns the largest gradient error relative to the largest gradient, for reporting. */
export function checkOp(name: string, shapes: number[][], op: (xs: Tensor[]) => Tensor, ref: Ref, opts: CheckOptions = {}): number {
  const seed = opts.seed ?? 1234;
  const vals = shapes.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    const v = opts.values ? opts.values(i, n) : uniform(n, seed + i, -1, 1);
    return Float64Array.from(v, (x) => Math.fround(x));
  });
  const wrt = opts.wrt ?? shapes.map((_, i) => i);
  const xs = vals.map((v, i) => tensor(Float32Array.from(v), { shape: shapes[i], requiresGrad: wrt.includes(i) }));
  const out = op(xs);
  const outRef = ref(vals);
  const w = Float64Array.from(uniform(outRef.length, seed + 99, -1, 1), (x) => Math.fround(x));
  // Forward agrees with the reference.
  const got = out.toArray();
  assert.is(got.length, outRef.length, `${name}: output size`);
  let fmax = 0;
  for (let i = 0; i < got.length; i++) fmax = Math.max(fmax, Math.abs(got[i] - outRef[i]) / Math.max(1, Math.abs(outRef[i])));
  assert.ok(fmax < 1e-5, `${name}: forward differs from the reference by ${fmax}`);
  out.mul(tensor(Float32Array.from(w), { shape: out.shape })).sum().backward();
  const loss = (v: Float64Array[]) => { const o = ref(v); let s = 0; for (let i = 0; i < o.length; i++) s += o[i] * w[i]; return s; };
  let worst = 0;
  for (const i of wrt) {
    const g = xs[i].grad;
    assert.ok(g, `${name}: input ${i} got no gradient`);
    const gv = g!.toArray();
    const num = new Float64Array(vals[i].length);
    for (let j = 0; j < num.length; j++) {
      const x0 = vals[i][j], h = 1e-6 * Math.max(1, Math.abs(x0));
      vals[i][j] = x0 + h; const up = loss(vals);
      vals[i][j] = x0 - h; const down = loss(vals);
      vals[i][j] = x0;
      num[j] = (up - down) / (2 * h);
    }
    const scale = Math.max(1e-3, ...Array.from(num, Math.abs));
    for (let j = 0; j < num.length; j++) {
      const err = Math.abs(gv[j] - num[j]) / scale;
      worst = Math.max(worst, err);
      assert.ok(err < (opts.rel ?? 1e-3), `${name}: d/dinput${i}[${j}] is ${gv[j]}, finite differences give ${num[j]} (error ${err.toExponential(2)} of the largest)`);
    }
  }
  return worst;
}
