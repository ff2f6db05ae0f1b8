// Float64 reference for assembly/kernels/batchnorm.ts, both flavours: the notebook's (unbiased
// std, no eps) and PyTorch BatchNorm1d's (biased variance + eps, unbiased running var).
// Forwards take an optional `fr`: pass Math.fround to round each step as the float32 kernel does.

type Round = (x: number) => number;
const exact: Round = (x) => x;

/** Per-feature mean and sum of squared deviations of inp (B,H), summed in order down the batch. */
function moments(inp: ArrayLike<number>, B: number, H: number, j: number): [mean: number, m2: number] {
  let s = 0;
  for (let b = 0; b < B; b++) s += inp[b * H + j];
  const m = s / B;
  let q = 0;
  for (let b = 0; b < B; b++) q += (inp[b * H + j] - m) ** 2;
  return [m, q];
}

/** The notebook's: mean, std = sqrt(sum (x-mean)^2 / (B-1)) (unbiased, no eps); out = gain*(inp-mean)/std + bias. */
export function bnNotebookForward(out: Float64Array, mean: Float64Array, std: Float64Array, inp: ArrayLike<number>,
  gain: ArrayLike<number>, bias: ArrayLike<number>, B: number, H: number, fr: Round = exact): void {
  for (let j = 0; j < H; j++) {
    const [m, q] = moments(inp, B, H, j);
    mean[j] = fr(m);
    std[j] = fr(Math.sqrt(q / (B - 1)));
  }
  bnNotebookEval(out, inp, gain, bias, mean, std, B, H, fr);
}

/** out = gain*(inp-mean)/std + bias with given statistics, evaluated left to right as Python does. */
export function bnNotebookEval(out: Float64Array, inp: ArrayLike<number>, gain: ArrayLike<number>, bias: ArrayLike<number>,
  mean: ArrayLike<number>, std: ArrayLike<number>, B: number, H: number, fr: Round = exact): void {
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const i = b * H + j;
      out[i] = fr(fr(fr(gain[j] * fr(inp[i] - mean[j])) / std[j]) + bias[j]);
    }
  }
}

/**
 * Accumulates the exact gradient of bnNotebookForward: with xhat = (x-mean)/std, n = B,
 * dx_i = gain/std * (dy_i - sum(dy)/n - xhat_i * sum(dy*xhat)/(n-1)).
 */
export function bnNotebookBackward(dinp: Float64Array, dgain: Float64Array, dbias: Float64Array, dout: ArrayLike<number>,
  inp: ArrayLike<number>, gain: ArrayLike<number>, mean: ArrayLike<number>, std: ArrayLike<number>, B: number, H: number): void {
  normBackward(dinp, dgain, dbias, dout, inp, gain, mean, Array.from(std, (s) => 1 / s), B, H, B - 1);
}

/** PyTorch's: xhat = (x-mean)/sqrt(var_biased + eps), out = xhat*gain + bias; reports the unbiased var and rstd. */
export function bnTorchForward(out: Float64Array, mean: Float64Array, var_: Float64Array, rstd: Float64Array, inp: ArrayLike<number>,
  gain: ArrayLike<number>, bias: ArrayLike<number>, eps: number, B: number, H: number, fr: Round = exact): void {
  for (let j = 0; j < H; j++) {
    const [m, q] = moments(inp, B, H, j);
    mean[j] = fr(m);
    var_[j] = fr(q / (B - 1));
    rstd[j] = fr(1 / Math.sqrt(q / B + eps));
  }
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const i = b * H + j;
      out[i] = fr(fr(fr(fr(inp[i] - mean[j]) * rstd[j]) * gain[j]) + bias[j]);
    }
  }
}

/** Eval mode: out = (x-mean)/sqrt(var+eps)*gain + bias with the running statistics. */
export function bnTorchEval(out: Float64Array, inp: ArrayLike<number>, gain: ArrayLike<number>, bias: ArrayLike<number>,
  mean: ArrayLike<number>, var_: ArrayLike<number>, eps: number, B: number, H: number, fr: Round = exact): void {
  for (let j = 0; j < H; j++) {
    const s = fr(Math.sqrt(fr(var_[j] + eps)));
    for (let b = 0; b < B; b++) {
      const i = b * H + j;
      out[i] = fr(fr(fr(fr(inp[i] - mean[j]) / s) * gain[j]) + bias[j]);
    }
  }
}

/** Accumulates the standard batchnorm gradient: dx_i = gain*rstd * (dy_i - sum(dy)/n - xhat_i * sum(dy*xhat)/n). */
export function bnTorchBackward(dinp: Float64Array, dgain: Float64Array, dbias: Float64Array, dout: ArrayLike<number>,
  inp: ArrayLike<number>, gain: ArrayLike<number>, mean: ArrayLike<number>, rstd: ArrayLike<number>, B: number, H: number): void {
  normBackward(dinp, dgain, dbias, dout, inp, gain, mean, rstd, B, H, B);
}

function normBackward(dinp: Float64Array, dgain: Float64Array, dbias: Float64Array, dout: ArrayLike<number>, inp: ArrayLike<number>,
  gain: ArrayLike<number>, mean: ArrayLike<number>, rstd: ArrayLike<number>, B: number, H: number, c: number): void {
  for (let j = 0; j < H; j++) {
    let sdy = 0, sdyx = 0;
    for (let b = 0; b < B; b++) {
      sdy += dout[b * H + j];
      sdyx += dout[b * H + j] * (inp[b * H + j] - mean[j]) * rstd[j];
    }
    dbias[j] += sdy;
    dgain[j] += sdyx;
    for (let b = 0; b < B; b++) {
      const xhat = (inp[b * H + j] - mean[j]) * rstd[j];
      dinp[b * H + j] += gain[j] * rstd[j] * (dout[b * H + j] - sdy / B - xhat * sdyx / c);
    }
  }
}
