// `wasmgrad/makemore`: the makemore notebook as a library, for apps and for the page. The data
// pipeline behind Xtr/Ytr, the notebook's MLP, its training loop, checkpoints and Session, the
// one object that runs a whole training run. Portable: no Node APIs (the CLI adds the files).
export { parseNames, buildVocab, buildDataset, splitWords, makeSplits, DataError, MIN_NAMES, type Vocab, type Dataset, type Splits } from './data.ts';
export { MLP, type ModelConfig } from './model.ts';
export { train, lrAt, type Schedule, type TrainOptions, type TrainResult } from './train.ts';
export { DivergenceCheck, DivergenceError, NonFiniteLossError, uniformLoss, saferRates } from './divergence.ts';
export { encodeCheckpoint, decodeCheckpoint, CheckpointError, type Checkpoint, type TrainingState } from './checkpoint.ts';
export {
  Session, NOTEBOOK, LIMITS, ConfigError, checkConfig, savedConfig, resumeConfig, checkVocab, datasetTensors, modelFromCheckpoint, splitLoss, sampleNames,
  type RunConfig, type ChunkOptions, type SessionOptions,
} from './session.ts';
export { LossCurve } from './loss_curve.ts';
