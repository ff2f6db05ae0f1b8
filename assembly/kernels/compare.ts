// Comparisons giving masks: out = 1.0 where (a op b) holds, else 0.0 (float32), for float32
// or int32 operands. b is a second tensor of the same size or one number.
// op: 0 eq, 1 ne, 2 lt, 3 le, 4 gt, 5 ge. NaN compares false except ne, as in IEEE and PyTorch.

// @ts-ignore: decorator
@inline function cmpf(op: i32, x: f64, y: f64): bool {
  if (op == 0) return x == y;
  if (op == 1) return x != y;
  if (op == 2) return x < y;
  if (op == 3) return x <= y;
  if (op == 4) return x > y;
  return x >= y;
}

// a (N), b (N) -> out (N); isInt: both int32. ref: src/ref/compare.ts
// Threads: by elements.
// @split N: out += 1, a += 1, b += 1
// @reads a[u0:u1], b[u0:u1]
// @writes out[u0:u1]
export function compare(out: usize, a: usize, b: usize, N: i32, op: i32, isInt: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    const x = isInt ? <f64>load<i32>(a + o) : <f64>load<f32>(a + o);
    const y = isInt ? <f64>load<i32>(b + o) : <f64>load<f32>(b + o);
    store<f32>(out + o, cmpf(op, x, y) ? 1 : 0);
  }
}

// a (N) op the number s -> out (N). ref: src/ref/compare.ts
// @split N: out += 1, a += 1
// @reads a[u0:u1]
// @writes out[u0:u1]
export function compare_scalar(out: usize, a: usize, s: f64, N: i32, op: i32, isInt: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    const x = isInt ? <f64>load<i32>(a + o) : <f64>load<f32>(a + o);
    store<f32>(out + o, cmpf(op, x, s) ? 1 : 0);
  }
}
