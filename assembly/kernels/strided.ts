// Strided views to and from contiguous memory: the kernels behind views (transpose, permute,
// expand, narrow, ...) that share their base's storage. Four dims per call; the TS side merges
// dims first (src/tensor.ts coalesce) and loops over any dims beyond four.
// Element size is 4 bytes (float32 or int32); with acc = 0 the bits are copied unchanged.

// out (n0,n1,n2,n3) contiguous (+)= inp at element strides (s0,s1,s2,s3). ref: src/ref/strided.ts
// Threads: by n0; the strided side's footprint is the span its elements lie in (lo, hi: the
// elements of dims 1-3 relative to their first), and nothing when the view is empty.
// @split n0: out += n1*n2*n3, inp += s0
// @let rest = n1*n2*n3
// @let lo = min(0, (n1-1)*s1) + min(0, (n2-1)*s2) + min(0, (n3-1)*s3)
// @let hi = 1 + max(0, (n1-1)*s1) + max(0, (n2-1)*s2) + max(0, (n3-1)*s3)
// @reads inp[min(u0*s0, (u1-1)*s0) + lo : max(u0*s0, (u1-1)*s0) + hi] if rest > 0
// @writes out[u0*rest : u1*rest]
export function strided_copy(out: usize, inp: usize, n0: i32, n1: i32, n2: i32, n3: i32,
  s0: i32, s1: i32, s2: i32, s3: i32, acc: i32): void {
  let o = out;
  for (let a = 0; a < n0; a++) {
    for (let b = 0; b < n1; b++) {
      for (let c = 0; c < n2; c++) {
        const row = inp + ((<usize>(a * s0 + b * s1 + c * s2)) << 2);
        if (s3 == 1 && !acc) {
          memory.copy(o, row, <usize>n3 << 2);
        } else if (acc) {
          for (let d = 0; d < n3; d++) {
            const p = o + (<usize>d << 2);
            store<f32>(p, load<f32>(p) + load<f32>(row + (<usize>(d * s3) << 2)));
          }
        } else {
          for (let d = 0; d < n3; d++) store<u32>(o + (<usize>d << 2), load<u32>(row + (<usize>(d * s3) << 2)));
        }
        o += <usize>n3 << 2;
      }
    }
  }
}

// out at element strides (s0,s1,s2,s3) (+)= inp (n0,n1,n2,n3) contiguous: the backward of a
// strided view (its gradient added back into its base's gradient). ref: src/ref/strided.ts
// NOTE: with acc and a stride of 0 (an expanded dim) several inputs add into one element, in order.
// Threads: by n0 when the shares' spans do not overlap (src/compile/thread_plan.ts checks), else
// thread 0 alone.
// @split n0: out += s0, inp += n1*n2*n3
// @let rest = n1*n2*n3
// @let lo = min(0, (n1-1)*s1) + min(0, (n2-1)*s2) + min(0, (n3-1)*s3)
// @let hi = 1 + max(0, (n1-1)*s1) + max(0, (n2-1)*s2) + max(0, (n3-1)*s3)
// @reads inp[u0*rest : u1*rest]
// @writes out[min(u0*s0, (u1-1)*s0) + lo : max(u0*s0, (u1-1)*s0) + hi] if rest > 0
export function strided_scatter(out: usize, inp: usize, n0: i32, n1: i32, n2: i32, n3: i32,
  s0: i32, s1: i32, s2: i32, s3: i32, acc: i32): void {
  let i = inp;
  for (let a = 0; a < n0; a++) {
    for (let b = 0; b < n1; b++) {
      for (let c = 0; c < n2; c++) {
        const row = out + ((<usize>(a * s0 + b * s1 + c * s2)) << 2);
        if (s3 == 1 && !acc) {
          memory.copy(row, i, <usize>n3 << 2);
        } else if (acc) {
          for (let d = 0; d < n3; d++) {
            const p = row + (<usize>(d * s3) << 2);
            store<f32>(p, load<f32>(p) + load<f32>(i + (<usize>d << 2)));
          }
        } else {
          for (let d = 0; d < n3; d++) store<u32>(row + (<usize>(d * s3) << 2), load<u32>(i + (<usize>d << 2)));
        }
        i += <usize>n3 << 2;
      }
    }
  }
}
