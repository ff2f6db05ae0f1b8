// `wasmgrad/makemore/zoo`: makemore.py's model zoo as a library: the six models (nn.Modules
// under PyTorch's names), its data pipeline and batches, and ZooRun, a whole run with
// makemore.py's numbers. Portable: no Node APIs (`wasmgrad makemore` adds the files and signals).
export { Transformer, Block, CausalSelfAttention, NewGELU } from './transformer.ts';
export { BoW, BoWBlock, CausalBoW } from './bow.ts';
export { RNN, RNNCell, GRUCell } from './rnn.ts';
export { MLP } from './mlp.ts';
export { Bigram } from './bigram.ts';
export { createModel, numParams, MODEL_TYPES, type ModelType, type LanguageModel } from './models.ts';
export { CONFIG_DEFAULTS, type ModelConfig, type ModelOutput } from './config.ts';
export { parseWords, createDatasets, datasetSummary, CharDataset, InfiniteDataLoader, evalBatches, meanAsTorch, type Datasets } from './data.ts';
export { ZooRun, MAKEMORE_DEFAULTS, EVAL, generate, generateWords, settingsProblem, sampleLines, type ZooSettings, type Samples, type TrainEvents, type RunOptions } from './run.ts';
export { encodeModel, decodeModel, decodeTorchModel, encodeState, decodeState, type ModelInfo, type ModelFile, type SavedState } from './checkpoint.ts';
