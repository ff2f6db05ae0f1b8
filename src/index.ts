// wasmgrad's public API: everything a user imports. Internals stay unexported.
export { init, initInfo, type InitOptions, type InitInfo, type Build } from './wasm/load.ts';
import './ops/table.ts'; // attaches the ops as Tensor methods
export { setPrintOptions, type PrintOptions } from './print.ts'; // and String(t) / console.log(t)
export type { ValuesIndices } from './ops/reduce.ts';
export type { GeluOptions } from './ops/activation.ts';
export { Tensor, type DType, type Shape } from './tensor.ts';
export {
  tensor, zeros, ones, full, zerosLike, onesLike, fullLike, eye, arange, linspace,
  rand, randn, randLike, randnLike, randint, randperm, multinomial, manualSeed, defaultGenerator,
  type TensorOptions, type FactoryOptions, type RandomOptions, type MultinomialOptions,
} from './creation.ts';
export { Generator } from './random/generator.ts';
export { noGrad } from './grad_mode.ts';
export { compile, CompileError, type CompileOptions, type Compiled } from './compile/compile.ts';
export { startThreads, stopThreads } from './compile/threaded.ts';
export { memoryStats } from './memory_stats.ts';
export { F } from './functional.ts';
export { cat, stack } from './ops/view.ts';
export type { IndexItem, SliceSpec } from './ops/embedding.ts';
export type { OneHotOptions } from './ops/one_hot.ts';
export type { CrossEntropyOptions, NllOptions, BatchNormOptions, BCEOptions, BCEWithLogitsOptions, LossOptions } from './functional.ts';
export type { TopkOptions, TopkResult } from './ops/topk.ts';
export type { BackwardOptions } from './autograd.ts';
export { WasmOutOfMemoryError } from './wasm/heap.ts';
export * as nn from './nn/index.ts';
export * as optim from './optim/index.ts';
export { saveSafetensors, loadSafetensors, safetensorsMetadata, loadTorch, loadTorchObject, saveTorch, type TorchValue } from './state_dict.ts';
export { SafetensorsError } from './safetensors.ts';
export { TorchFileError, type TorchReadOptions } from './torch_file.ts';
