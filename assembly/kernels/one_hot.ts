// F.one_hot: a row of C zeros with a 1 at each index. An index outside [0, C) is recorded in the
// status word (assembly/status.ts) and its row stays all zeros.
import { fail, S_INDEX } from '../status';

// idx (N) i32 -> out (N,C): 1 at [n, idx[n]], else 0; float32 ones when isFloat, else int32.
// ref: src/ref/one_hot.ts
export function one_hot(out: usize, idx: usize, N: i32, C: i32, isFloat: i32): void {
  memory.fill(out, 0, (<usize>N * <usize>C) << 2);
  const one: u32 = isFloat ? 0x3f800000 : 1;
  for (let n = 0; n < N; n++) {
    const v = load<i32>(idx + (<usize>n << 2));
    if (<u32>v >= <u32>C) { fail(S_INDEX, v, n); continue; }
    store<u32>(out + ((<usize>n * <usize>C + <usize>v) << 2), one);
  }
}
