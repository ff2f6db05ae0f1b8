// Softmax fused with cross-entropy (llm.c crossentropy_softmax_backward): the forward keeps
// probs for the backward, which is then just probs - onehot. A target outside [0, V) is
// recorded in the status word (assembly/status.ts) and its row left out. Leaves out: label
// smoothing, class weights, ignore_index (src/ops/cross_entropy.ts composes those from other ops).
import { fail, S_INDEX } from '../status';

// Cephes expf on four lanes (see: cephes/single/expf.c), within 1 ulp for x in [-87.3, 0];
// only called with x <= 0. n = round(x/ln2) comes from the 1.5*2^23 trick (adding it leaves n in
// the low mantissa bits), which spares floor and float->int conversion, both slow in V8.
// NOTE: lanes below ln(FLT_MIN) give exactly 0 (so exp(-inf) = 0, as Mathf.exp gives), and NaN
// lanes stay NaN: pmax(x, lo) keeps x when x is NaN, and the zeroing mask is false for NaN.
// @ts-ignore: decorator
@inline function exp4(x: v128): v128 {
  const lo = f32x4.splat(-87.33654); // ln(FLT_MIN): 2^n stays a normal float above it
  const magic = f32x4.splat(12582912); // 1.5 * 2^23
  const tiny = f32x4.lt(x, lo);
  let v = f32x4.pmax(x, lo);
  const t = f32x4.add(f32x4.mul(v, f32x4.splat(1.44269504088896341)), magic);
  const n = f32x4.sub(t, magic);
  // r = v - n*ln2, with ln2 split in two so n*ln2_hi is exact
  v = f32x4.sub(v, f32x4.mul(n, f32x4.splat(0.693359375)));
  v = f32x4.sub(v, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, v), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, v), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, v), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, v), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, v), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(v, v)), v), f32x4.splat(1));
  // 2^n: n + 127 into the exponent field (the magic's own bits shift out past bit 31)
  const pow2n = i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(p, pow2n), tiny);
}

// logits (B,V), targets (B) i32 -> probs (B,V) = softmax of each row; returns
// mean_b(-log probs[b, targets[b]]) as f64. ref: src/ref/cross_entropy.ts, torch F.cross_entropy
// NOTE: softmax subtracts the row max first, so exp never overflows (logits of ±1e4 are fine).
// NOTE: the loss is not -log(probs[t]) (which underflows to log(0) = -inf for a confidently wrong
// row) but logsumexp - logit[t] = (max - logit[t]) + log(sum exp(logit - max)), in f64: the
// difference of two f32 is exact in f64, and the f64 sum keeps the mean within 1e-7 of exact.
// The mean is rounded to float32 into loss (a 0-d tensor), as the eager op stores it. Rows whose
// target is ignoreIndex are left out of the mean (their probs are still written); all ignored
// gives NaN (0/0), as PyTorch.
// Threads: thread 0 alone (the mean sums every row's loss in order).
// @reads logits[0 : B*V], targets[0:B]
// @writes probs[0 : B*V], loss[0:1]
// @fails
export function crossentropy_forward(loss: usize, probs: usize, logits: usize, targets: usize, B: i32, V: i32, ignoreIndex: i32): void {
  let ignored = 0;
  for (let b = 0; b < B; b++) {
    const t = load<i32>(targets + (<usize>b << 2));
    if (t == ignoreIndex) { ignored++; continue; }
    if (<u32>t >= <u32>V) { fail(S_INDEX, t, b); store<f32>(loss, NaN); return; }
  }
  if (!ignored) { store<f32>(loss, <f32>crossentropyMean(probs, logits, targets, B, V)); return; }
  let total: f64 = 0;
  for (let b = 0; b < B; b++) {
    const t = load<i32>(targets + (<usize>b << 2));
    if (t == ignoreIndex) { softmaxRow(probs, logits, b, V); continue; }
    total += rowLoss(probs, logits, targets, b, V);
  }
  store<f32>(loss, <f32>(total / <f64>(B - ignored)));
}

// Softmax of row b into probs, for a row left out of the loss.
function softmaxRow(probs: usize, logits: usize, b: i32, V: i32): void {
  const row = logits + (<usize>b * <usize>V << 2), prow = probs + (<usize>b * <usize>V << 2);
  let m: f32 = -Infinity;
  for (let i = 0; i < V; i++) m = max(m, load<f32>(row + (<usize>i << 2)));
  let s: f64 = 0;
  for (let i = 0; i < V; i++) {
    const e = Math.exp(<f64>load<f32>(row + (<usize>i << 2)) - <f64>m);
    s += e;
    store<f32>(prow + (<usize>i << 2), <f32>e);
  }
  for (let i = 0; i < V; i++) store<f32>(prow + (<usize>i << 2), <f32>(<f64>load<f32>(prow + (<usize>i << 2)) / s));
}

// The mean loss as f64 (the fused notebook step's form; targets already checked).
export function crossentropyMean(probs: usize, logits: usize, targets: usize, B: i32, V: i32): f64 {
  let total: f64 = 0;
  for (let b = 0; b < B; b++) total += rowLoss(probs, logits, targets, b, V);
  return total / <f64>B;
}

// Rows [b0, b1) of crossentropy_forward (the threaded step's split): probs, and each row's loss
// into losses (f64, indexed by row); summed from 0 in row order and divided by B they give
// crossentropy_forward's value bit for bit.
export function crossentropyRows(probs: usize, logits: usize, targets: usize, losses: usize, b0: i32, b1: i32, V: i32): void {
  for (let b = b0; b < b1; b++) store<f64>(losses + (<usize>b << 3), rowLoss(probs, logits, targets, b, V));
}

// Row b: softmax into probs, returns -log p[target] as logsumexp - logit[target].
// @ts-ignore: decorator
@inline function rowLoss(probs: usize, logits: usize, targets: usize, b: i32, V: i32): f64 {
  const row = logits + (<usize>b * <usize>V << 2);
  const prow = probs + (<usize>b * <usize>V << 2);
  // row max (NaN anywhere makes it NaN, and so the whole row and the loss)
  let m: f32 = -Infinity;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let vm = f32x4.splat(-Infinity);
    for (; i + 4 <= V; i += 4) vm = f32x4.max(vm, v128.load(row + (<usize>i << 2)));
    m = max(max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
  }
  for (; i < V; i++) m = max(m, load<f32>(row + (<usize>i << 2)));
  // exp(x - max) into probs, summed in f64
  let sum: f64 = 0;
  i = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = f32x4.splat(m);
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    for (; i + 4 <= V; i += 4) {
      const o = <usize>i << 2;
      const e = exp4(f32x4.sub(v128.load(row + o), vm));
      v128.store(prow + o, e);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(e));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 0, 1)));
    }
    if (i < V) {
      // the last 1-3 logits as one vector padded with -inf (exp gives 0 there)
      const o = <usize>i << 2, r = V - i;
      let x = f32x4.replace_lane(f32x4.splat(-Infinity), 0, load<f32>(row + o));
      if (r > 1) x = f32x4.replace_lane(x, 1, load<f32>(row + o, 4));
      if (r > 2) x = f32x4.replace_lane(x, 2, load<f32>(row + o, 8));
      const e = exp4(f32x4.sub(x, vm));
      store<f32>(prow + o, f32x4.extract_lane(e, 0));
      if (r > 1) store<f32>(prow + o, f32x4.extract_lane(e, 1), 4);
      if (r > 2) store<f32>(prow + o, f32x4.extract_lane(e, 2), 8);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(e));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 0, 1)));
      i = V;
    }
    s0 = f64x2.add(s0, s1);
    sum = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  }
  for (; i < V; i++) {
    const o = <usize>i << 2;
    const e = Mathf.exp(load<f32>(row + o) - m);
    store<f32>(prow + o, e);
    sum += <f64>e;
  }
  // normalise
  const inv = <f32>(1.0 / sum);
  i = 0;
  if (ASC_FEATURE_SIMD) {
    const vinv = f32x4.splat(inv);
    for (; i + 4 <= V; i += 4) {
      const o = <usize>i << 2;
      v128.store(prow + o, f32x4.mul(v128.load(prow + o), vinv));
    }
  }
  for (; i < V; i++) {
    const o = <usize>i << 2;
    store<f32>(prow + o, load<f32>(prow + o) * inv);
  }
  const t = load<i32>(targets + (<usize>b << 2));
  return (<f64>m - <f64>load<f32>(row + (<usize>t << 2))) + Math.log(sum);
}

// dlogits (B,V) += dloss * (probs - onehot(targets)) / B; keeps probs (B,V) and targets (B) i32
// from the forward. ref: src/ref/cross_entropy.ts
// dloss is read from memory (the loss's gradient, a 0-d tensor). Rows with target ignoreIndex
// get no gradient; the others are scaled by 1 / (rows not ignored). acc 0 writes dlogits (zero
// first, then the same additions), 1 adds into it.
// Threads: by rows (each thread counts the ignored rows of the whole batch itself).
// @split B -> crossentropyBackwardShare
// @reads probs(B,V)[u0:u1, :], targets[0:B], dloss[0:1]
// @writes dlogits(B,V)[u0:u1, :]
export function crossentropy_backward(dlogits: usize, probs: usize, targets: usize, dloss: usize, B: i32, V: i32, ignoreIndex: i32, acc: i32): void {
  crossentropyBackwardShare(dlogits, probs, targets, dloss, B, V, ignoreIndex, acc, 0, B);
}

// Rows [r0, r1) of crossentropy_backward.
export function crossentropyBackwardShare(dlogits: usize, probs: usize, targets: usize, dloss: usize, B: i32, V: i32, ignoreIndex: i32, acc: i32, r0: i32, r1: i32): void {
  if (!acc) memory.fill(dlogits + (<usize>r0 * <usize>V << 2), 0, <usize>(r1 - r0) * <usize>V << 2);
  let ignored = 0;
  for (let b = 0; b < B; b++) if (load<i32>(targets + (<usize>b << 2)) == ignoreIndex) ignored++;
  const s = load<f32>(dloss) / <f32>(B - ignored);
  if (!ignored) { crossentropyBackwardRows(dlogits, probs, targets, s, r0, r1, V); return; }
  for (let b = r0; b < r1; b++) {
    if (load<i32>(targets + (<usize>b << 2)) != ignoreIndex) crossentropyBackwardRows(dlogits, probs, targets, s, b, b + 1, V);
  }
}

// Rows [b0, b1) of crossentropy_backward, with its scale s = dloss / B given.
export function crossentropyBackwardRows(dlogits: usize, probs: usize, targets: usize, s: f32, b0: i32, b1: i32, V: i32): void {
  for (let b = b0; b < b1; b++) {
    const off = <usize>b * <usize>V << 2;
    const t = load<i32>(targets + (<usize>b << 2));
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const vs = f32x4.splat(s), vt = i32x4.splat(t), one = f32x4.splat(1);
      let idx = i32x4(0, 1, 2, 3);
      for (; i + 4 <= V; i += 4) {
        const o = off + (<usize>i << 2);
        const hot = v128.and(i32x4.eq(idx, vt), one); // 1.0 in the target's lane, else 0
        const g = f32x4.mul(f32x4.sub(v128.load(probs + o), hot), vs);
        v128.store(dlogits + o, f32x4.add(v128.load(dlogits + o), g));
        idx = i32x4.add(idx, i32x4.splat(4));
      }
    }
    for (; i < V; i++) {
      const o = off + (<usize>i << 2);
      const p = load<f32>(probs + o) - (i == t ? <f32>1 : <f32>0);
      store<f32>(dlogits + o, load<f32>(dlogits + o) + p * s);
    }
  }
}
