export { Module, type LoadStateDictResult } from './module.ts';
export { Linear, Embedding, LayerNorm, BatchNorm1d, BatchNorm1dUnbiasedStd, Dropout, Flatten, Identity, type BatchNorm1dOptions } from './layers.ts';
export { ReLU, GELU, Sigmoid, Tanh } from './activation.ts';
export { Sequential, ModuleList, ModuleDict } from './container.ts';
export * as init from './init.ts';
export * as utils from './utils.ts';
