// Batch normalisation per feature over the batch dim, in two flavours named for what they are:
// bn_notebook_* (the notebook's: unbiased std, no eps) and bn_torch_* (nn.BatchNorm1d: biased
// variance + eps). Leaves out: running-statistics updates (plain TS on H floats), affine=False.
//
// NOTE: the two differ in every numeric detail, so neither stands in for the other:
//   notebook: xhat = (x - mean) / std,            std = sqrt(sum (x-mean)^2 / (B-1)), no eps;
//             keeps a running *std* (momentum 0.001).
//   torch:    xhat = (x - mean) / sqrt(var_b + eps), var_b = sum (x-mean)^2 / B (biased), while
//             the var it reports (for running_var, momentum 0.1) is the unbiased one, / (B-1).
// Both need B >= 2: at B = 1 the unbiased statistics are 0/0 = NaN (the TS layer rejects it).
//
// Layout: inp (B,H) row-major, so a feature's column is strided by H and neighbouring features
// are contiguous. Every loop walks blocks of 4 features (8 for the statistics) down the batch,
// keeping per-feature sums in registers (nothing allocated, no scratch), then scalar tails.

const NOTEBOOK = 0;
const TORCH = 1;

// Column statistics in f64, two passes (the mean, then the sum of squared deviations from the
// f64 mean), each column summed in order down the batch, stored rounded to f32. kind NOTEBOOK
// writes mean, s1 = std; kind TORCH writes mean, s1 = unbiased var, s2 = 1/sqrt(biased var + eps).
// NOTE: f64 sums keep the statistics within an f32 ulp even at B = 182625 (a whole-train-set
// calibration), where a float32 running sum can be off by up to B*eps ~ 1e-2 relative.
// moments8 takes features j..j+7: four independent f64x2 chains hide the add latency, which
// bounds these loops (a 4-feature block has only two).
// @ts-ignore: decorator
@inline function moments8(kind: i32, mean: usize, s1: usize, s2: usize, inp: usize, eps: f32, B: i32, H: i32, j: i32): void {
  const stride = <usize>H << 2;
  const col = <usize>j << 2;
  const nB = f64x2.splat(<f64>B);
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  let p = inp + col;
  for (let b = 0; b < B; b++, p += stride) {
    const x = v128.load(p), y = v128.load(p, 16);
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(x));
    a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)));
    a2 = f64x2.add(a2, f64x2.promote_low_f32x4(y));
    a3 = f64x2.add(a3, f64x2.promote_low_f32x4(v128.shuffle<f32>(y, y, 2, 3, 0, 1)));
  }
  const m0 = f64x2.div(a0, nB), m1 = f64x2.div(a1, nB), m2 = f64x2.div(a2, nB), m3 = f64x2.div(a3, nB);
  let q0 = f64x2.splat(0), q1 = f64x2.splat(0), q2 = f64x2.splat(0), q3 = f64x2.splat(0);
  p = inp + col;
  for (let b = 0; b < B; b++, p += stride) {
    const x = v128.load(p), y = v128.load(p, 16);
    const d0 = f64x2.sub(f64x2.promote_low_f32x4(x), m0);
    const d1 = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)), m1);
    const d2 = f64x2.sub(f64x2.promote_low_f32x4(y), m2);
    const d3 = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(y, y, 2, 3, 0, 1)), m3);
    q0 = f64x2.add(q0, f64x2.mul(d0, d0));
    q1 = f64x2.add(q1, f64x2.mul(d1, d1));
    q2 = f64x2.add(q2, f64x2.mul(d2, d2));
    q3 = f64x2.add(q3, f64x2.mul(d3, d3));
  }
  finish4(kind, mean, s1, s2, col, m0, m1, q0, q1, eps, B);
  finish4(kind, mean, s1, s2, col + 16, m2, m3, q2, q3, eps, B);
}

// The same for features j..j+3 (at most one such block, after the 8-feature ones).
// @ts-ignore: decorator
@inline function moments4(kind: i32, mean: usize, s1: usize, s2: usize, inp: usize, eps: f32, B: i32, H: i32, j: i32): void {
  const stride = <usize>H << 2;
  const col = <usize>j << 2;
  const nB = f64x2.splat(<f64>B);
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
  let p = inp + col;
  for (let b = 0; b < B; b++, p += stride) {
    const x = v128.load(p);
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(x));
    a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)));
  }
  const m0 = f64x2.div(a0, nB), m1 = f64x2.div(a1, nB);
  let q0 = f64x2.splat(0), q1 = f64x2.splat(0);
  p = inp + col;
  for (let b = 0; b < B; b++, p += stride) {
    const x = v128.load(p);
    const d0 = f64x2.sub(f64x2.promote_low_f32x4(x), m0);
    const d1 = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)), m1);
    q0 = f64x2.add(q0, f64x2.mul(d0, d0));
    q1 = f64x2.add(q1, f64x2.mul(d1, d1));
  }
  finish4(kind, mean, s1, s2, col, m0, m1, q0, q1, eps, B);
}

// Stores the statistics of 4 features at byte offset col from f64 means m and squared-deviation
// sums q (lanes 0-1 in *0, lanes 2-3 in *1).
// @ts-ignore: decorator
@inline function finish4(kind: i32, mean: usize, s1: usize, s2: usize, col: usize, m0: v128, m1: v128, q0: v128, q1: v128, eps: f32, B: i32): void {
  v128.store(mean + col, demote4(m0, m1));
  const nU = f64x2.splat(<f64>(B - 1));
  if (kind == NOTEBOOK) {
    v128.store(s1 + col, demote4(f64x2.sqrt(f64x2.div(q0, nU)), f64x2.sqrt(f64x2.div(q1, nU))));
  } else {
    v128.store(s1 + col, demote4(f64x2.div(q0, nU), f64x2.div(q1, nU)));
    const nB = f64x2.splat(<f64>B), e = f64x2.splat(<f64>eps), one = f64x2.splat(1);
    v128.store(s2 + col, demote4(
      f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(q0, nB), e))),
      f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(q1, nB), e)))));
  }
}

// The same for the single feature j (scalar tails and the scalar build), same operations.
// @ts-ignore: decorator
@inline function moments1(kind: i32, mean: usize, s1: usize, s2: usize, inp: usize, eps: f32, B: i32, H: i32, j: i32): void {
  const stride = <usize>H << 2;
  const col = <usize>j << 2;
  let a: f64 = 0;
  let p = inp + col;
  for (let b = 0; b < B; b++, p += stride) a += <f64>load<f32>(p);
  const m = a / <f64>B;
  let q: f64 = 0;
  p = inp + col;
  for (let b = 0; b < B; b++, p += stride) {
    const d = <f64>load<f32>(p) - m;
    q += d * d;
  }
  store<f32>(mean + col, <f32>m);
  if (kind == NOTEBOOK) {
    store<f32>(s1 + col, <f32>Math.sqrt(q / <f64>(B - 1)));
  } else {
    store<f32>(s1 + col, <f32>(q / <f64>(B - 1)));
    store<f32>(s2 + col, <f32>(1.0 / Math.sqrt(q / <f64>B + <f64>eps)));
  }
}

// Two f64x2 -> one f32x4 (lo lanes first).
// @ts-ignore: decorator
@inline function demote4(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// --- the notebook's batch norm ---------------------------------------------------------------

// inp (B,H), gain (H), bias (H) -> out (B,H), mean (H), std (H) (kept for backward and for the
// running statistics). out = gain * (inp - mean) / std + bias. ref: src/ref/batchnorm.ts
// NOTE: unbiased std (divide by B-1) and no eps, as torch.Tensor.std and the notebook do.
// NOTE: float32 order as Python evaluates `bngain * (h - m)/s + bnbias` left to right:
// f32(f32(f32(gain * f32(x - mean)) / std) + bias). Together with the f64 statistics this makes
// the kernel agree with the reference bit for bit.
// Threads: every kernel here goes by features (columns), each computed on its own whatever the
// range, so any split gives the same bits.
// @split H -> bnNotebookForwardCols
// @reads inp(B,H)[:, u0:u1], gain[u0:u1], bias[u0:u1]
// @writes out(B,H)[:, u0:u1], mean[u0:u1], std[u0:u1]
export function bn_notebook_forward(out: usize, mean: usize, std: usize, inp: usize, gain: usize, bias: usize, B: i32, H: i32): void {
  bnNotebookForwardCols(out, mean, std, inp, gain, bias, B, H, 0, H);
}

// Features [j0, j1) of bn_notebook_forward (the threaded step's split): every feature goes
// through the same operations whatever the range, so any split gives the same bits.
export function bnNotebookForwardCols(out: usize, mean: usize, std: usize, inp: usize, gain: usize, bias: usize, B: i32, H: i32, j0: i32, j1: i32): void {
  moments(NOTEBOOK, mean, std, 0, inp, 0, B, H, j0, j1);
  bnNotebookEvalCols(out, inp, gain, bias, mean, std, B, H, j0, j1);
}

// dinp (B,H) += , dgain (H) += , dbias (H) += from dout (B,H); keeps inp, gain, mean, std.
// ref: src/ref/batchnorm.ts
// The maths, per feature, with xhat = (x - mean)/std, y = gain*xhat + bias, n = B:
//   std^2 = sum_k (x_k - mean)^2 / (n-1), so d std/d x_i = (x_i - mean) / ((n-1) std)
//   (the path through mean drops out because sum_k (x_k - mean) = 0), and
//   d xhat_k/d x_i = (delta_ki - 1/n) / std - xhat_k xhat_i / ((n-1) std). Hence
//   dbias = sum_k dy_k,  dgain = sum_k dy_k xhat_k,
//   dx_i = gain/std * (dy_i - dbias/n - xhat_i * dgain/(n-1)).
// NOTE: (n-1) here where the biased (torch) version has n; it is what makes this the exact
// derivative of the forward. Sums in f32 (B = 32 in training; the forward is the precise one).
// accX / accW: 1 adds into dinp / into dgain and dbias, 0 writes them.
// @split H -> bnNotebookBackwardCols
// @reads dout(B,H)[:, u0:u1], inp(B,H)[:, u0:u1], gain[u0:u1], mean[u0:u1], std[u0:u1]
// @writes dinp(B,H)[:, u0:u1], dgain[u0:u1], dbias[u0:u1]
export function bn_notebook_backward(dinp: usize, dgain: usize, dbias: usize, dout: usize, inp: usize, gain: usize, mean: usize, std: usize, B: i32, H: i32, accX: i32, accW: i32): void {
  bnNotebookBackwardCols(dinp, dgain, dbias, dout, inp, gain, mean, std, B, H, accX, accW, 0, H);
}

// Features [j0, j1) of bn_notebook_backward.
export function bnNotebookBackwardCols(dinp: usize, dgain: usize, dbias: usize, dout: usize, inp: usize, gain: usize, mean: usize, std: usize, B: i32, H: i32, accX: i32, accW: i32, j0: i32, j1: i32): void {
  normBackward(NOTEBOOK, dinp, dgain, dbias, dout, inp, gain, mean, std, B, H, accX, accW, j0, j1);
}

// inp (B,H), gain, bias, mean, std (H) -> out (B,H): the forward's normalisation with given
// (running) statistics, same float32 order; evaluation only, no backward. ref: src/ref/batchnorm.ts
// @split H -> bnNotebookEvalCols
// @reads inp(B,H)[:, u0:u1], gain[u0:u1], bias[u0:u1], mean[u0:u1], std[u0:u1]
// @writes out(B,H)[:, u0:u1]
export function bn_notebook_eval(out: usize, inp: usize, gain: usize, bias: usize, mean: usize, std: usize, B: i32, H: i32): void {
  bnNotebookEvalCols(out, inp, gain, bias, mean, std, B, H, 0, H);
}

// Features [j0, j1) of bn_notebook_eval.
export function bnNotebookEvalCols(out: usize, inp: usize, gain: usize, bias: usize, mean: usize, std: usize, B: i32, H: i32, j0: i32, j1: i32): void {
  notebookNormalize(out, inp, gain, bias, mean, std, B, H, j0, j1);
}

// bn_notebook_eval on features [j0, j1).
// @ts-ignore: decorator
@inline function notebookNormalize(out: usize, inp: usize, gain: usize, bias: usize, mean: usize, std: usize, B: i32, H: i32, j0: i32, j1: i32): void {
  const stride = <usize>H << 2;
  let j = j0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= j1; j += 4) {
      const col = <usize>j << 2;
      const vm = v128.load(mean + col), vs = v128.load(std + col);
      const vg = v128.load(gain + col), vb = v128.load(bias + col);
      for (let b = 0, o = col; b < B; b++, o += stride) {
        const x = v128.load(inp + o);
        v128.store(out + o, f32x4.add(f32x4.div(f32x4.mul(vg, f32x4.sub(x, vm)), vs), vb));
      }
    }
  }
  for (; j < j1; j++) {
    const col = <usize>j << 2;
    const m = load<f32>(mean + col), s = load<f32>(std + col);
    const g = load<f32>(gain + col), bb = load<f32>(bias + col);
    for (let b = 0, o = col; b < B; b++, o += stride) {
      store<f32>(out + o, g * (load<f32>(inp + o) - m) / s + bb);
    }
  }
}

// --- PyTorch's BatchNorm1d (training mode) ---------------------------------------------------

// inp (B,H), gain (H), bias (H) -> out (B,H), mean (H), var (H), rstd (H).
// xhat = (x - mean) * rstd, out = xhat * gain + bias. ref: src/ref/batchnorm.ts, torch.nn.BatchNorm1d
// NOTE: normalises with the BIASED variance: rstd = 1/sqrt(sum (x-mean)^2 / B + eps), eps inside
// the sqrt. But var (for running_var) is the UNBIASED sum (x-mean)^2 / (B-1), as PyTorch's is.
// Backward keeps mean and rstd (like llm.c layernorm); var is for the running statistics only.
// @split H -> bnTorchForwardCols
// @reads inp(B,H)[:, u0:u1], gain[u0:u1], bias[u0:u1]
// @writes out(B,H)[:, u0:u1], mean[u0:u1], var_[u0:u1], rstd[u0:u1]
export function bn_torch_forward(out: usize, mean: usize, var_: usize, rstd: usize, inp: usize, gain: usize, bias: usize, eps: f32, B: i32, H: i32): void {
  bnTorchForwardCols(out, mean, var_, rstd, inp, gain, bias, eps, B, H, 0, H);
}

// Features [j0, j1) of bn_torch_forward.
export function bnTorchForwardCols(out: usize, mean: usize, var_: usize, rstd: usize, inp: usize, gain: usize, bias: usize, eps: f32, B: i32, H: i32, j0: i32, j1: i32): void {
  moments(TORCH, mean, var_, rstd, inp, eps, B, H, j0, j1);
  const stride = <usize>H << 2;
  let j = j0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= j1; j += 4) {
      const col = <usize>j << 2;
      const vm = v128.load(mean + col), vr = v128.load(rstd + col);
      const vg = v128.load(gain + col), vb = v128.load(bias + col);
      for (let b = 0, o = col; b < B; b++, o += stride) {
        const xhat = f32x4.mul(f32x4.sub(v128.load(inp + o), vm), vr);
        v128.store(out + o, f32x4.add(f32x4.mul(xhat, vg), vb));
      }
    }
  }
  for (; j < j1; j++) {
    const col = <usize>j << 2;
    const m = load<f32>(mean + col), r = load<f32>(rstd + col);
    const g = load<f32>(gain + col), bb = load<f32>(bias + col);
    for (let b = 0, o = col; b < B; b++, o += stride) {
      store<f32>(out + o, (load<f32>(inp + o) - m) * r * g + bb);
    }
  }
}

// dinp (B,H) += , dgain (H) += , dbias (H) += from dout (B,H); keeps inp, gain, mean, rstd.
// ref: src/ref/batchnorm.ts. The standard batchnorm backward, with n = B:
//   dbias = sum dy, dgain = sum dy*xhat, dx_i = gain*rstd * (dy_i - dbias/n - xhat_i * dgain/n).
// NOTE: eps only enters through the saved rstd; the biased variance gives /n, not /(n-1).
// accX / accW: 1 adds into dinp / into dgain and dbias, 0 writes them.
// @split H -> bnTorchBackwardCols
// @reads dout(B,H)[:, u0:u1], inp(B,H)[:, u0:u1], gain[u0:u1], mean[u0:u1], rstd[u0:u1]
// @writes dinp(B,H)[:, u0:u1], dgain[u0:u1], dbias[u0:u1]
export function bn_torch_backward(dinp: usize, dgain: usize, dbias: usize, dout: usize, inp: usize, gain: usize, mean: usize, rstd: usize, B: i32, H: i32, accX: i32, accW: i32): void {
  bnTorchBackwardCols(dinp, dgain, dbias, dout, inp, gain, mean, rstd, B, H, accX, accW, 0, H);
}

// Features [j0, j1) of bn_torch_backward.
export function bnTorchBackwardCols(dinp: usize, dgain: usize, dbias: usize, dout: usize, inp: usize, gain: usize, mean: usize, rstd: usize, B: i32, H: i32, accX: i32, accW: i32, j0: i32, j1: i32): void {
  normBackward(TORCH, dinp, dgain, dbias, dout, inp, gain, mean, rstd, B, H, accX, accW, j0, j1);
}

// inp (B,H), gain, bias, mean, var (H), eps -> out (B,H) = (x - mean) / sqrt(var + eps) * gain + bias:
// eval mode with the running statistics. ref: src/ref/batchnorm.ts
// @split H -> bnTorchEvalCols
// @reads inp(B,H)[:, u0:u1], gain[u0:u1], bias[u0:u1], mean[u0:u1], var_[u0:u1]
// @writes out(B,H)[:, u0:u1]
export function bn_torch_eval(out: usize, inp: usize, gain: usize, bias: usize, mean: usize, var_: usize, eps: f32, B: i32, H: i32): void {
  bnTorchEvalCols(out, inp, gain, bias, mean, var_, eps, B, H, 0, H);
}

// Features [j0, j1) of bn_torch_eval.
export function bnTorchEvalCols(out: usize, inp: usize, gain: usize, bias: usize, mean: usize, var_: usize, eps: f32, B: i32, H: i32, j0: i32, j1: i32): void {
  const stride = <usize>H << 2;
  let j = j0;
  if (ASC_FEATURE_SIMD) {
    const ve = f32x4.splat(eps);
    for (; j + 4 <= j1; j += 4) {
      const col = <usize>j << 2;
      const vm = v128.load(mean + col), vs = f32x4.sqrt(f32x4.add(v128.load(var_ + col), ve));
      const vg = v128.load(gain + col), vb = v128.load(bias + col);
      for (let b = 0, o = col; b < B; b++, o += stride) {
        const xhat = f32x4.div(f32x4.sub(v128.load(inp + o), vm), vs);
        v128.store(out + o, f32x4.add(f32x4.mul(xhat, vg), vb));
      }
    }
  }
  for (; j < j1; j++) {
    const col = <usize>j << 2;
    const m = load<f32>(mean + col), s = Mathf.sqrt(load<f32>(var_ + col) + eps);
    const g = load<f32>(gain + col), bb = load<f32>(bias + col);
    for (let b = 0, o = col; b < B; b++, o += stride) {
      store<f32>(out + o, (load<f32>(inp + o) - m) / s * g + bb);
    }
  }
}

// --- shared loops ----------------------------------------------------------------------------

// The statistics of features [j0, j1).
function moments(kind: i32, mean: usize, s1: usize, s2: usize, inp: usize, eps: f32, B: i32, H: i32, j0: i32, j1: i32): void {
  let j = j0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 8 <= j1; j += 8) moments8(kind, mean, s1, s2, inp, eps, B, H, j);
    if (j + 4 <= j1) { moments4(kind, mean, s1, s2, inp, eps, B, H, j); j += 4; }
  }
  for (; j < j1; j++) moments1(kind, mean, s1, s2, inp, eps, B, H, j);
}

// Both backwards: dx = gain*rstd * (dy - sum(dy)/n - xhat * sum(dy*xhat)/c), where the saved
// statistic s is std (NOTEBOOK: rstd = 1/std, c = n-1) or rstd itself (TORCH: c = n).
// @ts-ignore: decorator
@inline function normBackward(kind: i32, dinp: usize, dgain: usize, dbias: usize, dout: usize, inp: usize, gain: usize, mean: usize, s: usize, B: i32, H: i32, accX: i32, accW: i32, j0: i32, j1: i32): void {
  const stride = <usize>H << 2;
  const invN: f32 = <f32>1 / <f32>B;
  const invC: f32 = kind == NOTEBOOK ? <f32>1 / <f32>(B - 1) : invN;
  let j = j0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= j1; j += 4) {
      const col = <usize>j << 2;
      const vm = v128.load(mean + col);
      const vr = kind == NOTEBOOK ? f32x4.div(f32x4.splat(1), v128.load(s + col)) : v128.load(s + col);
      let sdy = f32x4.splat(0), sdyx = f32x4.splat(0);
      for (let b = 0, o = col; b < B; b++, o += stride) {
        const dy = v128.load(dout + o);
        const xhat = f32x4.mul(f32x4.sub(v128.load(inp + o), vm), vr);
        sdy = f32x4.add(sdy, dy);
        sdyx = f32x4.add(sdyx, f32x4.mul(dy, xhat));
      }
      v128.store(dbias + col, accW ? f32x4.add(v128.load(dbias + col), sdy) : sdy);
      v128.store(dgain + col, accW ? f32x4.add(v128.load(dgain + col), sdyx) : sdyx);
      const a = f32x4.mul(v128.load(gain + col), vr);
      const c1 = f32x4.mul(sdy, f32x4.splat(invN)), c2 = f32x4.mul(sdyx, f32x4.splat(invC));
      for (let b = 0, o = col; b < B; b++, o += stride) {
        const xhat = f32x4.mul(f32x4.sub(v128.load(inp + o), vm), vr);
        const t = f32x4.sub(f32x4.sub(v128.load(dout + o), c1), f32x4.mul(xhat, c2));
        const dx = f32x4.mul(a, t);
        v128.store(dinp + o, accX ? f32x4.add(v128.load(dinp + o), dx) : dx);
      }
    }
  }
  for (; j < j1; j++) {
    const col = <usize>j << 2;
    const m = load<f32>(mean + col);
    const r = kind == NOTEBOOK ? <f32>1 / load<f32>(s + col) : load<f32>(s + col);
    let sdy: f32 = 0, sdyx: f32 = 0;
    for (let b = 0, o = col; b < B; b++, o += stride) {
      const dy = load<f32>(dout + o);
      sdy += dy;
      sdyx += dy * ((load<f32>(inp + o) - m) * r);
    }
    store<f32>(dbias + col, accW ? load<f32>(dbias + col) + sdy : sdy);
    store<f32>(dgain + col, accW ? load<f32>(dgain + col) + sdyx : sdyx);
    const a = load<f32>(gain + col) * r;
    const c1 = sdy * invN, c2 = sdyx * invC;
    for (let b = 0, o = col; b < B; b++, o += stride) {
      const xhat = (load<f32>(inp + o) - m) * r;
      const dx = a * (load<f32>(dout + o) - c1 - xhat * c2);
      store<f32>(dinp + o, accX ? load<f32>(dinp + o) + dx : dx);
    }
  }
}

// --- fused: tanh backward, then the notebook batch norm's backward, then the bias before it ---

// What the compiler's tanh + batch-norm backward rule (src/compile/fuse.ts) writes: y = tanh(bn(x))
// with x = pre + b0. From dh (B,H) and the saved h = tanh(...) (B,H), inp = x (B,H), gain, mean,
// std (H), WRITES (not +=): dinp (B,H) = dx, dgain (H), dbias (H), and dbias0 (H) = column sums
// of dx (b0's gradient). Bit for bit what tanh_backward, bn_notebook_backward and sum_dim0 give
// when each writes (acc 0), in two passes down the batch: the first turns dh into
// dy = (1 - h*h)*dh IN PLACE (dh is overwritten: the rule checks nothing else reads it) and sums
// dy and dy*xhat; the second makes dx from dy, with dx's column sums in f64 down the batch, as
// sum_dim0's are. ref: the three kernels above it names.
// @split H -> tanhBnNotebookBackwardCols
// @reads h(B,H)[:, u0:u1], inp(B,H)[:, u0:u1], gain[u0:u1], mean[u0:u1], std[u0:u1]
// @writes dinp(B,H)[:, u0:u1], dh(B,H)[:, u0:u1], dgain[u0:u1], dbias[u0:u1], dbias0[u0:u1]
export function tanh_bn_notebook_backward(dinp: usize, dgain: usize, dbias: usize, dbias0: usize, dh: usize, h: usize,
  inp: usize, gain: usize, mean: usize, std: usize, B: i32, H: i32): void {
  tanhBnNotebookBackwardCols(dinp, dgain, dbias, dbias0, dh, h, inp, gain, mean, std, B, H, 0, H);
}

// Features [j0, j1) of tanh_bn_notebook_backward (the threaded step's split; any split, same bits).
export function tanhBnNotebookBackwardCols(dinp: usize, dgain: usize, dbias: usize, dbias0: usize, dh: usize, h: usize,
  inp: usize, gain: usize, mean: usize, std: usize, B: i32, H: i32, j0: i32, j1: i32): void {
  const stride = <usize>H << 2;
  const invN: f32 = <f32>1 / <f32>B;
  const invC: f32 = <f32>1 / <f32>(B - 1);
  let j = j0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0), one = f32x4.splat(1);
    for (; j + 4 <= j1; j += 4) {
      const col = <usize>j << 2;
      const vm = v128.load(mean + col);
      const vr = f32x4.div(one, v128.load(std + col));
      let sdy = zero, sdyx = zero;
      for (let b = 0, o = col; b < B; b++, o += stride) {
        const y = v128.load(h + o);
        const dy = f32x4.mul(f32x4.sub(one, f32x4.mul(y, y)), v128.load(dh + o));
        v128.store(dh + o, dy);
        const xhat = f32x4.mul(f32x4.sub(v128.load(inp + o), vm), vr);
        sdy = f32x4.add(sdy, dy);
        sdyx = f32x4.add(sdyx, f32x4.mul(dy, xhat));
      }
      v128.store(dbias + col, sdy);
      v128.store(dgain + col, sdyx);
      const a = f32x4.mul(v128.load(gain + col), vr);
      const c1 = f32x4.mul(sdy, f32x4.splat(invN)), c2 = f32x4.mul(sdyx, f32x4.splat(invC));
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
      for (let b = 0, o = col; b < B; b++, o += stride) {
        const dy = v128.load(dh + o);
        const xhat = f32x4.mul(f32x4.sub(v128.load(inp + o), vm), vr);
        const t = f32x4.sub(f32x4.sub(dy, c1), f32x4.mul(xhat, c2));
        const dx = f32x4.mul(a, t);
        v128.store(dinp + o, dx);
        s0 = f64x2.add(s0, f64x2.promote_low_f32x4(dx));
        s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(dx, dx, 2, 3, 2, 3)));
      }
      v128.store(dbias0 + col, demote4(s0, s1));
    }
  }
  for (; j < j1; j++) {
    const col = <usize>j << 2;
    const m = load<f32>(mean + col);
    const r = <f32>1 / load<f32>(std + col);
    let sdy: f32 = 0, sdyx: f32 = 0;
    for (let b = 0, o = col; b < B; b++, o += stride) {
      const y = load<f32>(h + o);
      const dy: f32 = (<f32>1 - y * y) * load<f32>(dh + o);
      store<f32>(dh + o, dy);
      sdy += dy;
      sdyx += dy * ((load<f32>(inp + o) - m) * r);
    }
    store<f32>(dbias + col, sdy);
    store<f32>(dgain + col, sdyx);
    const a = load<f32>(gain + col) * r;
    const c1 = sdy * invN, c2 = sdyx * invC;
    let s: f64 = 0;
    for (let b = 0, o = col; b < B; b++, o += stride) {
      const dy = load<f32>(dh + o);
      const xhat = (load<f32>(inp + o) - m) * r;
      const dx: f32 = a * (dy - c1 - xhat * c2);
      store<f32>(dinp + o, dx);
      s += <f64>dx;
    }
    store<f32>(dbias0 + col, <f32>s);
  }
}
