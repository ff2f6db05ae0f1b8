// Matrix products for Linear's forward and backward in the three layouts autograd needs
// (nn, tn, nt): row-major f32, register-blocked f32x4 micro-kernels with scalar tails.
// Leaves out: bias, batching, and panel packing (kernels get no scratch memory; JS owns it all).

// NOTE: V8 on x64 gives wasm 15 vector registers, and in these loops its scheduler issued all of
// an iteration's loads before the arithmetic, so every loaded value is live at once. A block of
// MR=4 rows × 8 columns holds 8 accumulators + 2 b vectors + 4 broadcasts (+1 product temporary
// without FMA) = 15. 5×8 (and 6×8 with FMA) spilled and fell from ~38 to ~18 GFLOP/s here.
// NOTE: relaxed_madd may round once (FMA) or twice depending on the machine, so the relaxed
// build's last bits can differ between machines; the tests allow for either.
const MR = 4;

/** c + a·b: one fused op in the relaxed build (rounded once), mul then add otherwise. */
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * Writes v to the 4 floats at o, or adds it to them when acc is set; with a bias (a pointer, 0 for
 * none) writes v + the 4 floats at bias: the bits of the product stored, then a bias add.
 */
// @ts-ignore: decorator
@inline function put(o: usize, v: v128, acc: i32, bias: usize): void {
  v128.store(o, acc ? f32x4.add(v128.load(o), v) : bias ? f32x4.add(v, v128.load(bias)) : v);
}

/** As put(), but leaves the lanes where mask is 0 as they were. */
// @ts-ignore: decorator
@inline function putMasked(o: usize, v: v128, mask: v128, acc: i32, bias: usize): void {
  const old = v128.load(o);
  v128.store(o, v128.bitselect(acc ? f32x4.add(old, v) : bias ? f32x4.add(v, v128.load(bias)) : v, old, mask));
}

// ---- a (strided) @ b (K,N): shared by nn and tn, which differ only in how a is laid out ----
// Element (r,p) of the left operand is at a + r*ars + p*aks bytes: nn has (ars,aks) = (4K,4),
// tn reads a stored (K,M) transposed for free with (4,4M). Each step p broadcasts one a per
// row (v128.load32_splat, a load-port op) against 8 contiguous floats of b's row p.

// 4 rows × all 8-column blocks: out(rows,8n) (+)= a(rows,K) @ b(K,8n); out and b rows are N
// floats apart. Only `rows` <= 4 rows are real: the others re-read the last real row and are
// not stored, which keeps one loop body for the row tail. With `adjacent` (tn, full blocks) the
// 4 rows of a are neighbours, so one pointer with immediate offsets replaces four.
// ref: src/ref/matmul.ts
// @ts-ignore: decorator
@inline function panel8Body(out: usize, a: usize, ars: usize, aks: usize, b: usize, K: i32, N: i32, rows: i32, acc: i32, bias: usize, adjacent: bool): void {
  const last = <usize>(rows - 1);
  const r1 = ars * min<usize>(1, last), r2 = ars * min<usize>(2, last), r3 = ars * min<usize>(3, last);
  const bs = <usize>N << 2;
  for (let j = 0; j + 8 <= N; j += 8) {
    let a0 = a, a1 = a + r1, a2 = a + r2, a3 = a + r3;
    let bp = b + (<usize>j << 2);
    const z = f32x4.splat(0);
    let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
    // The loop runs on b's pointer (no separate counter: V8 adds a stack check per iteration
    // already, and every instruction here counts).
    const bend = bp + <usize>K * bs;
    for (; bp < bend; bp += bs) {
      const b0 = v128.load(bp), b1 = v128.load(bp, 16);
      let x = v128.load32_splat(a0);
      c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
      x = adjacent ? v128.load32_splat(a0, 4) : v128.load32_splat(a1);
      c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
      x = adjacent ? v128.load32_splat(a0, 8) : v128.load32_splat(a2);
      c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
      x = adjacent ? v128.load32_splat(a0, 12) : v128.load32_splat(a3);
      c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
      a0 += aks;
      if (!adjacent) { a1 += aks; a2 += aks; a3 += aks; }
    }
    // Rows past `rows` were duplicates: drop them.
    let o = out + (<usize>j << 2);
    const b0 = bias ? bias + (<usize>j << 2) : 0, b1 = bias ? b0 + 16 : 0;
    put(o, c00, acc, b0); put(o + 16, c01, acc, b1);
    if (rows > 1) { o += bs; put(o, c10, acc, b0); put(o + 16, c11, acc, b1); }
    if (rows > 2) { o += bs; put(o, c20, acc, b0); put(o + 16, c21, acc, b1); }
    if (rows > 3) { o += bs; put(o, c30, acc, b0); put(o + 16, c31, acc, b1); }
  }
}

function panel8(out: usize, a: usize, ars: usize, aks: usize, b: usize, K: i32, N: i32, rows: i32, acc: i32, bias: usize): void {
  panel8Body(out, a, ars, aks, b, K, N, rows, acc, bias, false);
}

function panel8Adjacent(out: usize, a: usize, aks: usize, b: usize, K: i32, N: i32, acc: i32, bias: usize): void {
  panel8Body(out, a, 4, aks, b, K, N, 4, acc, bias, true);
}

// 4 rows × 4 columns, for the column tail: as panel8 with one vector per row. The first `skip`
// lanes are left untouched, so the last block may overlap the one before it when N % 4 != 0
// (columns are independent lanes, so recomputing them is harmless). ref: src/ref/matmul.ts
function block4(out: usize, a: usize, ars: usize, aks: usize, b: usize, K: i32, N: i32, rows: i32, skip: i32, acc: i32, bias: usize): void {
  const last = <usize>(rows - 1);
  let a0 = a, a1 = a + ars * min<usize>(1, last), a2 = a + ars * min<usize>(2, last), a3 = a + ars * min<usize>(3, last);
  const z = f32x4.splat(0);
  let c0 = z, c1 = z, c2 = z, c3 = z;
  const bs = <usize>N << 2;
  const bend = b + <usize>K * bs;
  for (; b < bend; b += bs) {
    const y = v128.load(b);
    c0 = madd(v128.load32_splat(a0), y, c0);
    c1 = madd(v128.load32_splat(a1), y, c1);
    c2 = madd(v128.load32_splat(a2), y, c2);
    c3 = madd(v128.load32_splat(a3), y, c3);
    a0 += aks; a1 += aks; a2 += aks; a3 += aks;
  }
  const mask = i32x4.ge_s(i32x4(0, 1, 2, 3), i32x4.splat(skip));
  putMasked(out, c0, mask, acc, bias);
  if (rows > 1) { out += bs; putMasked(out, c1, mask, acc, bias); }
  if (rows > 2) { out += bs; putMasked(out, c2, mask, acc, bias); }
  if (rows > 3) { out += bs; putMasked(out, c3, mask, acc, bias); }
}

// out(M,N) (+)= A @ b(K,N) with A(r,p) at a + r*ars + p*aks; with bias (N floats; 0 for none, and
// then acc must be 0) out = A @ b + bias. Needs N >= 4. ref: src/ref/matmul.ts
export function stridedA(out: usize, a: usize, ars: usize, aks: usize, b: usize, M: i32, K: i32, N: i32, acc: i32, bias: usize): void {
  const os = <usize>N << 2;
  for (let i = 0; i < M; i += MR) {
    const rows = min(MR, M - i);
    const o = out + <usize>i * os, ai = a + <usize>i * ars;
    if (ars == 4 && rows == MR) panel8Adjacent(o, ai, aks, b, K, N, acc, bias);
    else panel8(o, ai, ars, aks, b, K, N, rows, acc, bias);
    // 4-7 columns left: one full block of 4; then 1-3 left: redo the last 4, keep the new lanes.
    let j = N & ~7;
    for (; j < N; j += 4) {
      const jj = min(j, N - 4);
      block4(o + (<usize>jj << 2), ai, ars, aks, b + (<usize>jj << 2), K, N, rows, j - jj, acc, bias ? bias + (<usize>jj << 2) : 0);
    }
  }
}

// ---- a (M,K) @ b(N,K)ᵀ as dot products: both operands run along p ----

/** [Σv0, Σv1, Σv2, Σv3]: four horizontal sums at once (transpose-and-add, 6 shuffles). */
// @ts-ignore: decorator
@inline function hsum4(v0: v128, v1: v128, v2: v128, v3: v128): v128 {
  const s01 = f32x4.add(f32x4.shuffle(v0, v1, 0, 4, 1, 5), f32x4.shuffle(v0, v1, 2, 6, 3, 7));
  const s23 = f32x4.add(f32x4.shuffle(v2, v3, 0, 4, 1, 5), f32x4.shuffle(v2, v3, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(s01, s23, 0, 1, 4, 5), f32x4.shuffle(s01, s23, 2, 3, 6, 7));
}

// 2 rows × all columns, 4 at a time: out(rows,N) (+)= a(rows,K) · b(N,K)ᵀ, with a and b rows K
// floats apart. Each lane sums every 4th product of a dot product, then hsum4 folds the lanes.
// Needs K >= 4 and N >= 4: the K % 4 tail re-reads the last 4 floats with the lanes already
// summed masked to 0 (in a and b, so 0·0 adds nothing, even where b holds an inf), and the last
// column block overlaps the one before it and keeps only its new lanes. ref: src/ref/matmul.ts
function panelNT(out: usize, a: usize, b: usize, K: i32, N: i32, j0: i32, rows: i32, acc: i32): void {
  const ks = <usize>K << 2;
  const a0 = a, a1 = rows > 1 ? a + ks : a;
  const end = <usize>(K & ~3) << 2, tail = <usize>(K - 4) << 2;
  const r = K & 3;
  const kmask = i32x4.ge_s(i32x4(0, 1, 2, 3), i32x4.splat(4 - r));
  const os = <usize>N << 2;
  for (let j = j0; j < N; j += 4) {
    const jj = min(j, N - 4);
    const b0 = b + <usize>jj * ks, b1 = b0 + ks, b2 = b1 + ks, b3 = b2 + ks;
    const z = f32x4.splat(0);
    let c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
    for (let o: usize = 0; o < end; o += 16) {
      const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o);
      let y = v128.load(b0 + o);
      c00 = madd(x0, y, c00); c10 = madd(x1, y, c10);
      y = v128.load(b1 + o);
      c01 = madd(x0, y, c01); c11 = madd(x1, y, c11);
      y = v128.load(b2 + o);
      c02 = madd(x0, y, c02); c12 = madd(x1, y, c12);
      y = v128.load(b3 + o);
      c03 = madd(x0, y, c03); c13 = madd(x1, y, c13);
    }
    if (r) {
      const x0 = v128.and(v128.load(a0 + tail), kmask), x1 = v128.and(v128.load(a1 + tail), kmask);
      let y = v128.and(v128.load(b0 + tail), kmask);
      c00 = madd(x0, y, c00); c10 = madd(x1, y, c10);
      y = v128.and(v128.load(b1 + tail), kmask);
      c01 = madd(x0, y, c01); c11 = madd(x1, y, c11);
      y = v128.and(v128.load(b2 + tail), kmask);
      c02 = madd(x0, y, c02); c12 = madd(x1, y, c12);
      y = v128.and(v128.load(b3 + tail), kmask);
      c03 = madd(x0, y, c03); c13 = madd(x1, y, c13);
    }
    const o = out + (<usize>jj << 2);
    if (j == jj) {
      put(o, hsum4(c00, c01, c02, c03), acc, 0);
      if (rows > 1) put(o + os, hsum4(c10, c11, c12, c13), acc, 0);
    } else {
      const mask = i32x4.ge_s(i32x4(0, 1, 2, 3), i32x4.splat(j - jj));
      putMasked(o, hsum4(c00, c01, c02, c03), mask, acc, 0);
      if (rows > 1) putMasked(o + os, hsum4(c10, c11, c12, c13), mask, acc, 0);
    }
  }
}

// Below this K, nt goes by transposed tiles (stripNT8); above it, dot products (panelNT) win.
// Measured (relaxed build, M=32): tiles 33 vs dots 26 GFLOP/s at K=27, 31-33 vs 37-38 at K=128/200.
const NT_TILE_MAX_K = 64;

// ---- a (M,K) @ b(N,K)ᵀ by transposed tiles: for 8 columns of out at a time ----
// Eight rows of b (= eight columns of bᵀ) are read 4 floats at a time and transposed in
// registers into bᵀ[p..p+3, j..j+7]; those 8 vectors then stay put while every row of a goes
// past, broadcasting a[i,p] and updating out[i, j..j+7] in memory. No horizontal sums, and the
// K % 4 tail reuses the tile that ends at K, so this wins when K is short (dh has K=27).

/**
 * out[i, 8 columns] (+)= Σq<n a[i,p+q]·tq for every row i, tq = bᵀ[p+q, j..j+7] as 2 vectors;
 * n (1-4) and first (start from 0, not out) are constants, so each use is its own loop.
 */
// @ts-ignore: decorator
@inline function rowsNT(out: usize, os: usize, a: usize, ks: usize, M: i32, n: i32, first: bool,
  t00: v128, t01: v128, t10: v128, t11: v128, t20: v128, t21: v128, t30: v128, t31: v128): void {
  for (let i = 0; i < M; i++) {
    let x = v128.load32_splat(a);
    let lo = madd(x, t00, first ? f32x4.splat(0) : v128.load(out));
    let hi = madd(x, t01, first ? f32x4.splat(0) : v128.load(out, 16));
    if (n > 1) {
      x = v128.load32_splat(a, 4);
      lo = madd(x, t10, lo); hi = madd(x, t11, hi);
    }
    if (n > 2) {
      x = v128.load32_splat(a, 8);
      lo = madd(x, t20, lo); hi = madd(x, t21, hi);
    }
    if (n > 3) {
      x = v128.load32_splat(a, 12);
      lo = madd(x, t30, lo); hi = madd(x, t31, hi);
    }
    v128.store(out, lo); v128.store(out, hi, 16);
    out += os; a += ks;
  }
}

// out(M, 8) (+)= a(M,K) · b(8,K)ᵀ: one 8-column strip of a @ bᵀ, b pointing at row j and out at
// column j. out rows are N floats apart. Any K >= 1. ref: src/ref/matmul.ts
function stripNT8(out: usize, a: usize, b: usize, M: i32, K: i32, N: i32, acc: i32): void {
  const ks = <usize>K << 2, os = <usize>N << 2;
  const z = f32x4.splat(0);
  if (K < 4) {
    // Too short for a 4×4 tile: gather bᵀ[p, j..j+7] a lane at a time.
    for (let p = 0; p < K; p++) {
      const bp = b + (<usize>p << 2);
      let t0 = v128.load32_zero(bp), t1 = v128.load32_zero(bp + 4 * ks);
      t0 = v128.load32_lane(bp + ks, t0, 1); t1 = v128.load32_lane(bp + 5 * ks, t1, 1);
      t0 = v128.load32_lane(bp + 2 * ks, t0, 2); t1 = v128.load32_lane(bp + 6 * ks, t1, 2);
      t0 = v128.load32_lane(bp + 3 * ks, t0, 3); t1 = v128.load32_lane(bp + 7 * ks, t1, 3);
      const ap = a + (<usize>p << 2);
      if (p == 0 && !acc) rowsNT(out, os, ap, ks, M, 1, true, t0, t1, z, z, z, z, z, z);
      else rowsNT(out, os, ap, ks, M, 1, false, t0, t1, z, z, z, z, z, z);
    }
    return;
  }
  for (let p = 0; p < K; p += 4) {
    // The last chunk may be short: take the tile that ends at K and use only its new steps.
    const n = min(4, K - p);
    const bp = b + (<usize>min(p, K - 4) << 2);
    // Two 4×4 transposes: rows j..j+3 of b -> t?0, rows j+4..j+7 -> t?1 (unpack lo/hi, then
    // move halves), so tq0/tq1 hold bᵀ[p+q, j..j+7].
    let r0 = v128.load(bp), r1 = v128.load(bp + ks), r2 = v128.load(bp + 2 * ks), r3 = v128.load(bp + 3 * ks);
    let u0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5), u1 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
    let u2 = f32x4.shuffle(r0, r1, 2, 6, 3, 7), u3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
    const t00 = f32x4.shuffle(u0, u1, 0, 1, 4, 5), t10 = f32x4.shuffle(u0, u1, 2, 3, 6, 7);
    const t20 = f32x4.shuffle(u2, u3, 0, 1, 4, 5), t30 = f32x4.shuffle(u2, u3, 2, 3, 6, 7);
    const bq = bp + 4 * ks;
    r0 = v128.load(bq); r1 = v128.load(bq + ks); r2 = v128.load(bq + 2 * ks); r3 = v128.load(bq + 3 * ks);
    u0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5); u1 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
    u2 = f32x4.shuffle(r0, r1, 2, 6, 3, 7); u3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
    const t01 = f32x4.shuffle(u0, u1, 0, 1, 4, 5), t11 = f32x4.shuffle(u0, u1, 2, 3, 6, 7);
    const t21 = f32x4.shuffle(u2, u3, 0, 1, 4, 5), t31 = f32x4.shuffle(u2, u3, 2, 3, 6, 7);
    const ap = a + (<usize>p << 2);
    // The first chunk of an overwriting call starts from 0 instead of reading out; a short
    // chunk (K >= 5 here) never comes first.
    if (n == 4) {
      if (p == 0 && !acc) rowsNT(out, os, ap, ks, M, 4, true, t00, t01, t10, t11, t20, t21, t30, t31);
      else rowsNT(out, os, ap, ks, M, 4, false, t00, t01, t10, t11, t20, t21, t30, t31);
    } else if (n == 3) rowsNT(out, os, ap, ks, M, 3, false, t10, t11, t20, t21, t30, t31, z, z);
    else if (n == 2) rowsNT(out, os, ap, ks, M, 2, false, t20, t21, t30, t31, z, z, z, z);
    else rowsNT(out, os, ap, ks, M, 1, false, t30, t31, z, z, z, z, z, z);
  }
}

// ---- scalar: the whole product in the scalar build; in SIMD builds what is left when N < 4 (nn,
// tn) or K < 4 (the part of nt that 8-column strips do not cover) ----

// out(M,N) (+)= A @ B with A(i,p) at a + i*ars + p*aks and B(p,j) at b + p*bks + j*bcs bytes,
// out rows os bytes apart, in 2×4 blocks of f32 accumulators. Tails re-read the last real
// row/column and are not stored, as in panel8. ref: src/ref/matmul.ts
export function scalarStrided(out: usize, os: usize, a: usize, ars: usize, aks: usize, b: usize, bks: usize, bcs: usize, M: i32, K: i32, N: i32, acc: i32, bias: usize): void {
  for (let i = 0; i < M; i += 2) {
    const rows = min(2, M - i);
    const a0 = a + <usize>i * ars, a1 = rows > 1 ? a0 + ars : a0;
    const o = out + <usize>i * os;
    for (let j = 0; j < N; j += 4) scalarBlock(o + (<usize>j << 2), os, a0, a1, aks, b + <usize>j * bcs, bks, bcs, K, min(4, N - j), rows, acc, bias ? bias + (<usize>j << 2) : 0);
  }
}

// 2 rows × 4 columns of scalarStrided: rows a0 and a1 (maybe the same), `cols` real columns.
// @ts-ignore: decorator
@inline function scalarBlock(o: usize, os: usize, a0: usize, a1: usize, aks: usize, b0: usize, bks: usize, bcs: usize, K: i32, cols: i32, rows: i32, acc: i32, bias: usize): void {
  const lastc = <usize>(cols - 1);
  let b1 = b0 + bcs * min<usize>(1, lastc), b2 = b0 + bcs * min<usize>(2, lastc), b3 = b0 + bcs * min<usize>(3, lastc);
  let s00: f32 = 0, s01: f32 = 0, s02: f32 = 0, s03: f32 = 0;
  let s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0;
  for (let p = 0; p < K; p++) {
    const x0 = load<f32>(a0), x1 = load<f32>(a1);
    let y = load<f32>(b0);
    s00 += x0 * y; s10 += x1 * y;
    y = load<f32>(b1);
    s01 += x0 * y; s11 += x1 * y;
    y = load<f32>(b2);
    s02 += x0 * y; s12 += x1 * y;
    y = load<f32>(b3);
    s03 += x0 * y; s13 += x1 * y;
    a0 += aks; a1 += aks;
    b0 += bks; b1 += bks; b2 += bks; b3 += bks;
  }
  put4(o, s00, s01, s02, s03, cols, acc, bias);
  if (rows > 1) put4(o + os, s10, s11, s12, s13, cols, acc, bias);
}

/** Writes (or adds, or writes plus the floats at bias) the first n of x0..x3 to the floats at o. */
// @ts-ignore: decorator
@inline function put4(o: usize, x0: f32, x1: f32, x2: f32, x3: f32, n: i32, acc: i32, bias: usize): void {
  store<f32>(o, acc ? load<f32>(o) + x0 : bias ? x0 + load<f32>(bias) : x0);
  if (n > 1) store<f32>(o, acc ? load<f32>(o, 4) + x1 : bias ? x1 + load<f32>(bias, 4) : x1, 4);
  if (n > 2) store<f32>(o, acc ? load<f32>(o, 8) + x2 : bias ? x2 + load<f32>(bias, 8) : x2, 8);
  if (n > 3) store<f32>(o, acc ? load<f32>(o, 12) + x3 : bias ? x3 + load<f32>(bias, 12) : x3, 12);
}

// ---- the ABI ----

// a (M,K) @ b (K,N) -> out (M,N), e.g. inp (B,K) @ weight (K,H) -> (B,H). acc: 1 adds into out.
// ref: src/ref/matmul.ts matmulNN
// Threads: by rows of out, which start at multiples of 4 (whole MR blocks), so every row goes
// through the same instructions as in one call (tools/gen-program.mjs reads these lines).
// @split M: out += N, a += K
// @reads a(M,K)[u0:u1, :], b[0 : K*N]
// @writes out(M,N)[u0:u1, :]
export function matmul_nn(out: usize, a: usize, b: usize, M: i32, K: i32, N: i32, acc: i32): void {
  const ars = <usize>K << 2;
  if (ASC_FEATURE_SIMD) {
    if (N >= 4) { stridedA(out, a, ars, 4, b, M, K, N, acc, 0); return; }
  }
  scalarStrided(out, <usize>N << 2, a, ars, 4, b, <usize>N << 2, 4, M, K, N, acc, 0);
}

// out (M,N) = a (M,K) @ b (K,N) + bias (N): matmul_nn, then add(out, out, bias, M, N, 1, 0), bit
// for bit, in one pass (the bias joins each block as it is stored). For the fused step.
export function matmulNNBias(out: usize, a: usize, b: usize, bias: usize, M: i32, K: i32, N: i32): void {
  const ars = <usize>K << 2;
  if (ASC_FEATURE_SIMD) {
    if (N >= 4) { stridedA(out, a, ars, 4, b, M, K, N, 0, bias); return; }
  }
  scalarStrided(out, <usize>N << 2, a, ars, 4, b, <usize>N << 2, 4, M, K, N, 0, bias);
}

// The ABI name of matmulNNBias: what the compiler's bias-folding rule (src/compile/fuse.ts)
// writes for a matmul_nn followed by a row add of a bias. ref: src/ref/matmul.ts matmulNN, then a row add
// Threads: by rows of out, as matmul_nn.
// @split M: out += N, a += K
// @reads a(M,K)[u0:u1, :], b[0 : K*N], bias[0:N]
// @writes out(M,N)[u0:u1, :]
export function matmul_nn_bias(out: usize, a: usize, b: usize, bias: usize, M: i32, K: i32, N: i32): void {
  matmulNNBias(out, a, b, bias, M, K, N);
}

// aᵀ @ b -> out (M,N) with a stored (K,M), b (K,N): dweight (K,H) += inp (B,K)ᵀ @ dout (B,H),
// so M=K, K=B, N=H in the workload's letters.
// ref: src/ref/matmul.ts matmulTN
// @split M -> matmulTNRows
// @reads a(K,M)[:, u0:u1], b[0 : K*N]
// @writes out(M,N)[u0:u1, :]
export function matmul_tn(out: usize, a: usize, b: usize, M: i32, K: i32, N: i32, acc: i32): void {
  matmulTNRows(out, a, b, M, K, N, acc, 0, M);
}

// Rows [r0, r1) of matmul_tn's out: columns r0.. of a, whose column stride stays M.
export function matmulTNRows(out: usize, a: usize, b: usize, M: i32, K: i32, N: i32, acc: i32, r0: i32, r1: i32): void {
  const aks = <usize>M << 2, os = <usize>N << 2;
  const o = out + <usize>r0 * os, ai = a + (<usize>r0 << 2);
  if (ASC_FEATURE_SIMD) {
    if (N >= 4) { stridedA(o, ai, 4, aks, b, r1 - r0, K, N, acc, 0); return; }
  }
  scalarStrided(o, os, ai, 4, aks, b, os, 4, r1 - r0, K, N, acc, 0);
}

// a @ bᵀ -> out (M,N) with a (M,K), b stored (N,K): dinp (B,K) += dout (B,H) @ weight (K,H)ᵀ,
// so M=B, K=H, N=K. 8-column strips by transposed tiles when K is short, the rest (or all, when
// K is long) as dot products, scalar when K or N < 4.
// ref: src/ref/matmul.ts matmulNT
// Threads: by rows of out from multiples of 4 (panelNT and scalarStrided pair rows from the first).
// @split M: out += N, a += K
// @reads a(M,K)[u0:u1, :], b[0 : N*K]
// @writes out(M,N)[u0:u1, :]
export function matmul_nt(out: usize, a: usize, b: usize, M: i32, K: i32, N: i32, acc: i32): void {
  const ks = <usize>K << 2, os = <usize>N << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    if (K < NT_TILE_MAX_K) for (; j + 8 <= N; j += 8) stripNT8(out + (<usize>j << 2), a, b + <usize>j * ks, M, K, N, acc);
    if (j < N && K >= 4 && N >= 4) {
      for (let i = 0; i < M; i += 2) panelNT(out + <usize>i * os, a + <usize>i * ks, b, K, N, j, min(2, M - i), acc);
      return;
    }
  }
  if (j < N) scalarStrided(out + (<usize>j << 2), os, a, ks, 4, b + <usize>j * ks, 4, ks, M, K, N - j, acc, 0);
}

// Batched products: one call runs matmul_nn, _tn or _nt (layout 0, 1, 2) over a (B0,B1) grid of
// batches, so each batch's result is bit for bit the 2-D kernel's. Batch strides are in elements
// and may be 0 (a broadcast batch dim: the same matrix for every batch; with acc, gradients of a
// broadcast operand add up in batch order). Matrices are laid out as the 2-D kernels expect.
// out (B0,B1,M,N) (+)= a @ b per batch, e.g. attention scores (B·H, T, D) @ (B·H, D, T).
// ref: src/ref/matmul.ts matmulBatched
export function matmul_batched(out: usize, a: usize, b: usize, layout: i32, B0: i32, B1: i32, M: i32, K: i32, N: i32,
  os0: i32, os1: i32, as0: i32, as1: i32, bs0: i32, bs1: i32, acc: i32): void {
  for (let i = 0; i < B0; i++) {
    for (let j = 0; j < B1; j++) {
      const o = out + ((<usize>i * <usize>os0 + <usize>j * <usize>os1) << 2);
      const x = a + ((<usize>i * <usize>as0 + <usize>j * <usize>as1) << 2);
      const y = b + ((<usize>i * <usize>bs0 + <usize>j * <usize>bs1) << 2);
      if (layout == 0) matmul_nn(o, x, y, M, K, N, acc);
      else if (layout == 1) matmul_tn(o, x, y, M, K, N, acc);
      else matmul_nt(o, x, y, M, K, N, acc);
    }
  }
}
