// F: the functional forms (torch.nn.functional and friends), made from the op table.
export { functional as F } from './ops/table.ts';
export type { CrossEntropyOptions } from './ops/cross_entropy.ts';
export type { NllOptions } from './ops/nll.ts';
export type { BatchNormOptions } from './ops/batchnorm.ts';
export type { BCEOptions, BCEWithLogitsOptions } from './ops/binary_cross_entropy.ts';
export type { LossOptions } from './ops/losses.ts';
