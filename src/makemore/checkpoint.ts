// Checkpoints of the notebook model as safetensors: the notebook's tensor names (C, W1, b1,
// W2, b2, bngain, bnbias, bnmean_running, bnstd_running; float32, the notebook's shapes) and
// in __metadata__ the vocabulary, sizes, training flags, step reached and generator state
// (everything an exact resume needs). Portable: bytes in, bytes out; files are the CLI's job.
import { tensor, noGrad, type Tensor } from '../index.ts';
import { encodeSafetensors, decodeSafetensors, SafetensorsError, type SafeTensor } from '../safetensors.ts';
import type { GeneratorState } from '../random/generator.ts';
import type { ModelConfig, MLP } from './model.ts';
import type { Schedule } from './train.ts';

export const FORMAT = 'wasmgrad-makemore';
export const FORMAT_VERSION = 1;

export interface TrainingState {
  seed: number;
  batchSize: number;
  schedule: Schedule;
  /** Steps completed. */
  step: number;
  /** The --steps the run was asked for. */
  steps: number;
  /** The training generator's state after `step` steps (null in a weights-only file). */
  generator: GeneratorState | null;
}

export interface Checkpoint {
  config: ModelConfig;
  /** index -> character, '.' first. */
  itos: string[];
  training: TrainingState;
  tensors: Record<string, SafeTensor>;
}

/** A checkpoint that cannot be used; the message says why and what to do. */
export class CheckpointError extends Error {}

export function encodeCheckpoint(model: MLP, itos: string[], training: TrainingState): Uint8Array {
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, t] of Object.entries(model.namedTensors())) {
    tensors[name] = { dtype: 'F32', shape: [...t.shape], data: t.toArray() as Float32Array };
  }
  const c = model.config;
  return encodeSafetensors(tensors, {
    format: FORMAT,
    format_version: String(FORMAT_VERSION),
    vocab: JSON.stringify(itos),
    block_size: String(c.blockSize),
    n_embed: String(c.nEmbed),
    n_hidden: String(c.nHidden),
    batchnorm: String(c.batchnorm),
    seed: String(training.seed),
    batch_size: String(training.batchSize),
    lr: String(training.schedule.lr),
    lr_decay_at: String(training.schedule.decayAt),
    lr_after: String(training.schedule.lrAfter),
    step: String(training.step),
    steps: String(training.steps),
    generator: JSON.stringify(training.generator),
  });
}

function intField(meta: Record<string, string>, key: string, min: number): number {
  const v = Number(meta[key]);
  if (meta[key] === undefined || !Number.isSafeInteger(v) || v < min) {
    throw new CheckpointError(`checkpoint metadata '${key}' is ${meta[key] === undefined ? 'missing' : JSON.stringify(meta[key])}; this file was not written by wasmgrad or is damaged`);
  }
  return v;
}

function numField(meta: Record<string, string>, key: string): number {
  const v = Number(meta[key]);
  if (meta[key] === undefined || !Number.isFinite(v)) throw new CheckpointError(`checkpoint metadata '${key}' is missing or not a number`);
  return v;
}

function parseJson<T>(meta: Record<string, string>, key: string): T {
  try { return JSON.parse(meta[key] ?? '') as T; } catch { throw new CheckpointError(`checkpoint metadata '${key}' is not valid JSON`); }
}

/** Reads and checks a checkpoint: format, metadata, and every tensor's name, dtype and shape. */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(e.message);
    throw e;
  }
  const meta = decoded.metadata;
  if (meta.format !== FORMAT) throw new CheckpointError(`not a wasmgrad makemore checkpoint (its metadata has no format '${FORMAT}'); pass a file written by \`wasmgrad train --save\``);
  const version = intField(meta, 'format_version', 1);
  if (version > FORMAT_VERSION) throw new CheckpointError(`checkpoint format version ${version} is newer than this wasmgrad understands (${FORMAT_VERSION}); upgrade wasmgrad`);
  const itos = parseJson<string[]>(meta, 'vocab');
  if (!Array.isArray(itos) || itos.length < 2 || itos[0] !== '.' || itos.some((c) => typeof c !== 'string' || [...c].length !== 1)) {
    throw new CheckpointError("checkpoint metadata 'vocab' is not a list of single characters starting with '.'");
  }
  const config: ModelConfig = {
    vocabSize: itos.length,
    blockSize: intField(meta, 'block_size', 1),
    nEmbed: intField(meta, 'n_embed', 1),
    nHidden: intField(meta, 'n_hidden', 1),
    batchnorm: meta.batchnorm === 'true',
  };
  const training: TrainingState = {
    seed: intField(meta, 'seed', 0),
    batchSize: intField(meta, 'batch_size', 1),
    schedule: { lr: numField(meta, 'lr'), decayAt: intField(meta, 'lr_decay_at', 0), lrAfter: numField(meta, 'lr_after') },
    step: intField(meta, 'step', 0),
    steps: intField(meta, 'steps', 0),
    generator: parseJson<GeneratorState | null>(meta, 'generator'),
  };
  const expected = expectedShapes(config);
  for (const [name, shape] of Object.entries(expected)) {
    const t = decoded.tensors[name];
    if (!t) throw new CheckpointError(`checkpoint has no tensor '${name}'`);
    if (t.dtype !== 'F32') throw new CheckpointError(`checkpoint tensor '${name}' is ${t.dtype}, expected F32`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(`checkpoint tensor '${name}' has shape [${t.shape}] but its metadata implies [${shape}]`);
    }
  }
  const extra = Object.keys(decoded.tensors).filter((n) => !(n in expected));
  if (extra.length) throw new CheckpointError(`checkpoint has unexpected tensors: ${extra.join(', ')}`);
  return { config, itos, training, tensors: decoded.tensors };
}

export function expectedShapes(c: ModelConfig): Record<string, number[]> {
  const V = c.vocabSize, E = c.nEmbed, H = c.nHidden;
  const shapes: Record<string, number[]> = { C: [V, E], W1: [E * c.blockSize, H], b1: [H], W2: [H, V], b2: [V] };
  if (c.batchnorm) Object.assign(shapes, { bngain: [1, H], bnbias: [1, H], bnmean_running: [1, H], bnstd_running: [1, H] });
  return shapes;
}

/** Copies a checkpoint's tensors into a model of the same configuration. */
export function loadInto(model: MLP, ckpt: Checkpoint): void {
  const targets: Record<string, Tensor> = model.namedTensors();
  noGrad(() => {
    for (const [name, t] of Object.entries(targets)) {
      const src = ckpt.tensors[name];
      t.copy_(tensor(src.data as Float32Array, { shape: src.shape }));
    }
  });
}
