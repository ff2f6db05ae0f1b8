export { Module } from './module.ts';
export { Linear, Embedding, BatchNorm1d, BatchNorm1dUnbiasedStd, Tanh, Flatten, Sequential } from './layers.ts';
