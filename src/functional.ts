// F: the functional forms (torch.nn.functional and friends), both argument orders.
export { add, sub, mul, div, neg, exp, log, log10, sqrt, pow, tanh, sum, mean, std, softmax, crossEntropy, batchNorm, embedding, matmul } from './ops/index.ts';
export type { BatchNormOptions } from './ops/index.ts';
