// torch.gather and its backward, which is also torch.scatter_add's forward: along one dim of a
// tensor viewed as (O, V, I), with an index viewed as (O, J, I) (the dims before, along and after
// the chosen one). An index outside [0, V) is recorded in the status word (assembly/status.ts)
// and that element is 0 (gather) or skipped (scatter): never a read or write out of bounds.
// Leaves out: negative indices (PyTorch refuses them here too), reduce modes other than add.
import { fail, S_INDEX } from '../status';

// inp (O,V,I), idx (O,J,I) i32 -> out (O,J,I), out[o,j,i] = inp[o, idx[o,j,i], i].
// ref: src/ref/gather.ts gatherForward
export function gather_forward(out: usize, inp: usize, idx: usize, O: i32, J: i32, I: i32, V: i32): void {
  let n = 0;
  for (let o = 0; o < O; o++) {
    const base = inp + ((<usize>o * <usize>V * <usize>I) << 2);
    for (let j = 0; j < J; j++) {
      for (let i = 0; i < I; i++, n++) {
        const v = load<i32>(idx + (<usize>n << 2));
        const dst = out + (<usize>n << 2);
        if (<u32>v >= <u32>V) { fail(S_INDEX, v, n); store<f32>(dst, 0); continue; }
        store<u32>(dst, load<u32>(base + ((<usize>v * <usize>I + <usize>i) << 2)));
      }
    }
  }
}

// dinp (O,V,I) += scatter of src (O,J,I) by idx (O,J,I): dinp[o, idx[o,j,i], i] += src[o,j,i].
// gather's backward, and scatter_add's forward (into a copy of self).
// NOTE: repeated indices accumulate in index order (o, j, i), one element at a time.
// ref: src/ref/gather.ts scatterAdd
export function gather_backward(dinp: usize, src: usize, idx: usize, O: i32, J: i32, I: i32, V: i32): void {
  let n = 0;
  for (let o = 0; o < O; o++) {
    const base = dinp + ((<usize>o * <usize>V * <usize>I) << 2);
    for (let j = 0; j < J; j++) {
      for (let i = 0; i < I; i++, n++) {
        const v = load<i32>(idx + (<usize>n << 2));
        if (<u32>v >= <u32>V) { fail(S_INDEX, v, n); continue; }
        const p = base + ((<usize>v * <usize>I + <usize>i) << 2);
        store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>n << 2)));
      }
    }
  }
}
