// Selection by a mask: where(cond, a, b) and its backward. Masks are float32 0/1 tensors (what
// comparisons give; any nonzero, NaN included, is true) or int32 (nonzero is true).
// Operands are same-size (the TS op broadcasts first).

// @ts-ignore: decorator
@inline function truth(cond: usize, o: usize, isInt: i32): bool {
  return isInt ? load<i32>(cond + o) != 0 : load<f32>(cond + o) != 0;
}

// cond (N), a (N), b (N) -> out (N) = cond ? a : b. ref: src/ref/where.ts
// Threads: both go by elements.
// @split N: out += 1, cond += 1, a += 1, b += 1
// @reads cond[u0:u1], a[u0:u1], b[u0:u1]
// @writes out[u0:u1]
export function where_forward(out: usize, cond: usize, a: usize, b: usize, N: i32, isInt: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, truth(cond, o, isInt) ? load<f32>(a + o) : load<f32>(b + o));
  }
}

// dinp (N) (+)= dout where cond is true (side 0, the gradient of a) or false (side 1, of b), 0
// elsewhere; acc 1 adds, 0 writes (the first gradient; see gradTarget). ref: src/ref/where.ts
// @split N: dinp += 1, cond += 1, dout += 1
// @reads cond[u0:u1], dout[u0:u1]
// @writes dinp[u0:u1]
export function where_backward(dinp: usize, cond: usize, dout: usize, N: i32, isInt: i32, side: i32, acc: i32): void {
  const want = side == 0;
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    const g: f32 = truth(cond, o, isInt) == want ? load<f32>(dout + o) : 0;
    store<f32>(dinp + o, acc ? load<f32>(dinp + o) + g : g);
  }
}
