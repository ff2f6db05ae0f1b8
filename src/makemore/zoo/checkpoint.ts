// The zoo's two files, as safetensors. model.safetensors is makemore.py's model.pt: the state
// dict under PyTorch's names (transformer.wte.weight, ...), loadable into makemore.py's classes
// as is, with what the model is (type, sizes, vocabulary, step, test loss) in the metadata.
// resume.safetensors holds everything an exact continuation needs: the weights, AdamW's state,
// the default generator, the training loader's generator and the step. Both carry a checksum.
// Reading checks what a damaged or foreign file could get wrong before any of it is used.
// Portable: bytes in, bytes out; files are the CLI's job.
import { tensor, Tensor, loadTorch, TorchFileError, type nn } from '../../index.ts';
import { encodeSafetensors, decodeSafetensors, SafetensorsError, type SafeTensor } from '../../safetensors.ts';
import type { GeneratorState } from '../../random/generator.ts';
import { checksum, crc32, CheckpointError } from '../checkpoint.ts';
import { escapeControls } from '../text.ts';
import { MODEL_TYPES, type ModelType } from './models.ts';
import type { ModelConfig } from './config.ts';
import { isVocabulary, type LoaderState } from './data.ts';
import type { ZooSettings } from './run.ts';

export const MODEL_FORMAT = 'wasmgrad-makemore-zoo';
export const STATE_FORMAT = 'wasmgrad-makemore-zoo-state';
const VERSION = 1;

export interface ModelInfo {
  settings: ZooSettings;
  config: ModelConfig;
  chars: string[];
  /** The step the model was saved at. */
  step: number;
  /**
   * Its test loss then, and the seed of the RandomSampler that ordered that evaluation's batches
   * (tools/makemore_torch.py repeats the evaluation in PyTorch); null if saved outside one.
   */
  test: { testLoss: number; seed: bigint } | null;
}

/** A model file's tensors, and what our metadata says of it (null for a plain state dict, e.g. from PyTorch). */
export interface ModelFile { tensors: Record<string, Tensor>; info: ModelInfo | null }

export type OptimizerState = ReturnType<import('../../index.ts').optim.AdamW['stateDict']>;

export interface SavedState {
  settings: ZooSettings;
  config: ModelConfig;
  chars: string[];
  /** How many words the data had and a CRC-32 of them, to check --resume is given the same file. */
  data: { words: number; crc: number };
  model: Record<string, Tensor>;
  optimizer: OptimizerState;
  loader: LoaderState;
  generator: GeneratorState;
  step: number;
  bestLoss: number | null;
}

const DAMAGED = 'the file was not written by wasmgrad makemore or is damaged';

function toSafe(tensors: Record<string, Tensor>, prefix = ''): Record<string, SafeTensor> {
  const out: Record<string, SafeTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') throw new Error(`checkpoint: tensor '${name}' is ${t.dtype}; the zoo's models hold float32 only`);
    out[prefix + name] = { dtype: 'F32', shape: [...t.shape], data: t.toArray() as Float32Array };
  }
  return out;
}

function fromSafe(t: SafeTensor, name: string): Tensor {
  if (t.dtype !== 'F32') throw new CheckpointError(`tensor '${escapeControls(name)}' is ${t.dtype}, expected F32; ${DAMAGED}`);
  const data = t.data as Float32Array;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new CheckpointError(`tensor '${escapeControls(name)}' holds ${data[i]} at index ${i}: the weights are damaged or training diverged; use an earlier checkpoint`);
  }
  return tensor(data, { shape: t.shape }).keep();
}

function describe(info: Omit<ModelInfo, 'step' | 'test'>): Record<string, string> {
  const s = info.settings;
  return {
    type: s.type, n_layer: String(s.nLayer), n_head: String(s.nHead), n_embd: String(s.nEmbd), n_embd2: String(s.nEmbd2),
    vocab_size: String(info.config.vocabSize), block_size: String(info.config.blockSize), chars: JSON.stringify(info.chars),
    settings: JSON.stringify(s),
  };
}

function seal(tensors: Record<string, SafeTensor>, metadata: Record<string, string>): Uint8Array {
  metadata.checksum = checksum(tensors, metadata);
  return encodeSafetensors(tensors, metadata);
}

/** model.safetensors bytes: `model.stateDict()` under its (PyTorch's) names, and the metadata. */
export function encodeModel(model: nn.Module, info: ModelInfo): Uint8Array {
  return seal(toSafe(model.stateDict()), {
    format: MODEL_FORMAT, format_version: String(VERSION), ...describe(info),
    step: String(info.step), test_loss: JSON.stringify(info.test?.testLoss ?? null), test_eval_seed: String(info.test?.seed ?? ''),
  });
}

/** resume.safetensors bytes. */
export function encodeState(s: Omit<SavedState, 'data'> & { words: string[] }): Uint8Array {
  const tensors = toSafe(s.model, 'model.');
  const scalars: Record<string, Record<string, unknown>> = {};
  for (const [i, entry] of Object.entries(s.optimizer.state)) {
    for (const [key, v] of Object.entries(entry)) {
      if (v instanceof Tensor) Object.assign(tensors, toSafe({ [`${i}.${key}`]: v }, 'optimizer.'));
      else (scalars[i] ??= {})[key] = v;
    }
  }
  return seal(tensors, {
    format: STATE_FORMAT, format_version: String(VERSION), ...describe(s),
    data: JSON.stringify(dataCheck(s.words)), step: String(s.step), best_loss: JSON.stringify(s.bestLoss),
    optimizer: JSON.stringify({ scalars, paramGroups: s.optimizer.paramGroups }),
    loader: JSON.stringify(s.loader), generator: JSON.stringify(s.generator),
  });
}

/** The words' count and CRC-32, to tell whether --resume was given the same data. */
export function dataCheck(words: readonly string[]): { words: number; crc: number } {
  return { words: words.length, crc: crc32([new TextEncoder().encode(words.join('\n'))]) };
}

/** Whether `words` are the data the saved run was trained on. */
export function sameData(saved: Pick<SavedState, 'data'>, words: readonly string[]): boolean {
  const check = dataCheck(words);
  return check.words === saved.data.words && check.crc === saved.data.crc;
}

function decode(bytes: Uint8Array, what: string): { tensors: Record<string, SafeTensor>; meta: Record<string, string> } {
  let d: ReturnType<typeof decodeSafetensors>;
  try {
    d = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(`${what}: ${escapeControls(e.message)}`);
    throw e;
  }
  const meta = d.metadata;
  if ('checksum' in meta && meta.checksum !== checksum(d.tensors, meta)) {
    throw new CheckpointError(`${what} is damaged: its contents do not match the checksum it was saved with; use another copy`);
  }
  return { tensors: d.tensors, meta };
}

function json<T>(meta: Record<string, string>, key: string, what: string): T {
  try {
    if (!(key in meta)) throw new Error('missing');
    return JSON.parse(meta[key]) as T;
  } catch {
    throw new CheckpointError(`${what}: metadata '${key}' is missing or not JSON; ${DAMAGED}`);
  }
}

function readInfo(meta: Record<string, string>, what: string): Omit<ModelInfo, 'step' | 'test'> {
  const settings = json<ZooSettings>(meta, 'settings', what);
  const chars = json<string[]>(meta, 'chars', what);
  // Each setting a whole number in the range a run can have (sizes up to 2^20: a model that big
  // could not be saved in a file this size), a transformer's heads dividing its channels.
  const ranges = { nLayer: [0, 1 << 20], nHead: [1, 1 << 20], nEmbd: [1, 1 << 20], nEmbd2: [1, 1 << 20], seed: [0, Number.MAX_SAFE_INTEGER], batchSize: [1, 1 << 20], topK: [-1, 1 << 20], maxSteps: [-1, Number.MAX_SAFE_INTEGER] } as const;
  const bad = (k: keyof typeof ranges) => !Number.isSafeInteger(settings[k]) || settings[k] < ranges[k][0] || settings[k] > ranges[k][1] || (k === 'topK' && settings[k] === 0);
  if (!settings || typeof settings !== 'object' || !MODEL_TYPES.includes(settings.type as ModelType) ||
      (Object.keys(ranges) as (keyof typeof ranges)[]).some(bad) || !(settings.learningRate >= 0 && settings.learningRate < Infinity) ||
      !(settings.weightDecay >= 0 && settings.weightDecay < Infinity) || (settings.type === 'transformer' && settings.nEmbd % settings.nHead !== 0) ||
      !isVocabulary(chars)) {
    throw new CheckpointError(`${what}: its settings or vocabulary in the metadata are not valid; ${DAMAGED}`);
  }
  const blockSize = Number(meta.block_size);
  if (!Number.isSafeInteger(blockSize) || blockSize < 1) throw new CheckpointError(`${what}: metadata 'block_size' is not valid; ${DAMAGED}`);
  const config: ModelConfig = { vocabSize: chars.length + 1, blockSize, nLayer: settings.nLayer, nHead: settings.nHead, nEmbd: settings.nEmbd, nEmbd2: settings.nEmbd2 };
  return { settings, config, chars };
}

/**
 * Reads model.safetensors: ours (with what the model is) or any state dict saved as safetensors
 * (PyTorch's makemore.py model, converted), whose tensors then must fit the model the flags make.
 */
export function decodeModel(bytes: Uint8Array, what = 'model file'): ModelFile {
  const { tensors, meta } = decode(bytes, what);
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) out[name] = fromSafe(t, name);
  if (meta.format !== MODEL_FORMAT) return { tensors: out, info: null };
  if (Number(meta.format_version) > VERSION) throw new CheckpointError(`${what} has format version ${meta.format_version}, newer than this wasmgrad understands (${VERSION}); upgrade wasmgrad`);
  const step = Number(meta.step);
  const testLoss = json<number | null>(meta, 'test_loss', what);
  const test = typeof testLoss === 'number' && /^\d+$/.test(meta.test_eval_seed ?? '') ? { testLoss, seed: BigInt(meta.test_eval_seed) } : null;
  return { tensors: out, info: { ...readInfo(meta, what), step: Number.isSafeInteger(step) ? step : 0, test } };
}

/**
 * Reads makemore.py's own model.pt (torch.save of its state dict) as a ModelFile without info:
 * its tensors then must fit the model the flags make. float64/float16/bfloat16 weights are
 * converted to float32 (`onNote` says so); anything but a state dict of finite float tensors is
 * refused with a CheckpointError.
 */
export function decodeTorchModel(bytes: Uint8Array, what = 'model.pt', onNote?: (message: string) => void): ModelFile {
  let sd: Record<string, Tensor>;
  try {
    sd = loadTorch(bytes, { name: what, onNote });
  } catch (e) {
    if (e instanceof TorchFileError) throw new CheckpointError(e.message);
    throw e;
  }
  for (const [name, t] of Object.entries(sd)) {
    if (t.dtype !== 'float32') throw new CheckpointError(`${what}: tensor '${escapeControls(name)}' is an integer tensor; makemore.py's models hold float tensors only, so this is not a makemore.py model`);
    const data = t.toArray() as Float32Array;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new CheckpointError(`${what}: tensor '${escapeControls(name)}' holds ${data[i]} at index ${i}: the weights are damaged or training diverged; use an earlier checkpoint`);
    }
  }
  return { tensors: sd, info: null };
}

/** Reads resume.safetensors. */
export function decodeState(bytes: Uint8Array, what = 'resume file'): SavedState {
  const { tensors, meta } = decode(bytes, what);
  if (meta.format !== STATE_FORMAT) throw new CheckpointError(`${what} is not a wasmgrad makemore resume file (no format '${STATE_FORMAT}' in its metadata)`);
  if (Number(meta.format_version) > VERSION) throw new CheckpointError(`${what} has format version ${meta.format_version}, newer than this wasmgrad understands (${VERSION}); upgrade wasmgrad`);
  const info = readInfo(meta, what);
  const model: Record<string, Tensor> = {};
  const optTensors: Record<string, Record<string, Tensor>> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith('model.')) model[name.slice(6)] = fromSafe(t, name);
    else if (/^optimizer\.\d+\.[A-Za-z_]+$/.test(name)) {
      const [, i, key] = name.split('.');
      (optTensors[i] ??= {})[key] = fromSafe(t, name);
    } else throw new CheckpointError(`${what} holds an unexpected tensor '${escapeControls(name)}'; ${DAMAGED}`);
  }
  const opt = json<{ scalars: Record<string, Record<string, unknown>>; paramGroups: OptimizerState['paramGroups'] }>(meta, 'optimizer', what);
  if (!opt || typeof opt !== 'object' || (opt.scalars !== undefined && (opt.scalars === null || typeof opt.scalars !== 'object')) || !Array.isArray(opt.paramGroups)) {
    throw new CheckpointError(`${what}: metadata 'optimizer' is not an optimizer's state; ${DAMAGED}`);
  }
  const data = json<{ words: number; crc: number }>(meta, 'data', what);
  if (!data || !Number.isSafeInteger(data.words) || data.words < 0 || !Number.isSafeInteger(data.crc)) throw new CheckpointError(`${what}: metadata 'data' is not valid; ${DAMAGED}`);
  const state: Record<string, Record<string, unknown>> = {};
  for (const i of new Set([...Object.keys(opt.scalars ?? {}), ...Object.keys(optTensors)])) state[i] = { ...opt.scalars?.[i], ...optTensors[i] };
  const step = Number(meta.step);
  if (!Number.isSafeInteger(step) || step < 0) throw new CheckpointError(`${what}: metadata 'step' is not valid; ${DAMAGED}`);
  return {
    ...info, data, model, step, bestLoss: json(meta, 'best_loss', what),
    optimizer: { state, paramGroups: opt.paramGroups } as OptimizerState,
    loader: json(meta, 'loader', what), generator: json(meta, 'generator', what),
  };
}
