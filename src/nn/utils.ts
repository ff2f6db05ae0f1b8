// torch.nn.utils: what wasmgrad has of it.
export { clipGradNorm_ } from './clip_grad.ts';
