// Every differentiable op, one file per kernel (same basename as assembly/kernels/).
export { view, detach } from './view.ts';
export { index, embedding } from './embedding.ts';
export { matmul } from './matmul.ts';
export { add, sub, mul, div, inplace, fill_ } from './elementwise.ts';
export { neg, exp, log, log10, sqrt, pow } from './unary.ts';
export { tanh } from './tanh.ts';
export { sum, mean, std } from './reduce.ts';
export { softmax } from './softmax.ts';
export { crossEntropy } from './cross_entropy.ts';
export { batchNorm, type BatchNormOptions } from './batchnorm.ts';
