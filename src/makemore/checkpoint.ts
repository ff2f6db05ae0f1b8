// Checkpoints of the notebook model as safetensors: the notebook's tensor names (C, W1, b1,
// W2, b2, bngain, bnbias, bnmean_running, bnstd_running; float32, the notebook's shapes) and
// in __metadata__ the vocabulary, sizes, training flags, step reached and generator state
// (everything an exact resume needs), and a checksum of all of it. Reading checks everything a
// damaged or hostile file could get wrong before any of it is used: checksum, vocabulary, sizes
// (against wasm memory), generator state, shapes, finite weights.
// Portable: bytes in, bytes out; files are the CLI's job.
import { tensor, noGrad, Generator, type Tensor } from '../index.ts';
import { encodeSafetensors, decodeSafetensors, SafetensorsError, type SafeTensor } from '../safetensors.ts';
import type { GeneratorState } from '../random/generator.ts';
import type { ModelConfig, MLP } from './model.ts';
import type { Schedule } from './train.ts';
import { checkFits, MemoryLimitError } from './limits.ts';
import { isNameChar, escapeControls } from './text.ts';

export const FORMAT = 'wasmgrad-makemore';
/** 2 added the metadata 'checksum'; version 1 files (without one) still load. */
export const FORMAT_VERSION = 2;
const CHECKSUM = 'checksum';

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

const DAMAGED = 'this file was not written by wasmgrad or is damaged';

export function encodeCheckpoint(model: MLP, itos: string[], training: TrainingState): Uint8Array {
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, t] of Object.entries(model.namedTensors())) {
    tensors[name] = { dtype: 'F32', shape: [...t.shape], data: t.toArray() as Float32Array };
  }
  const c = model.config;
  const metadata: Record<string, string> = {
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
  };
  metadata[CHECKSUM] = checksum(tensors, metadata);
  return encodeSafetensors(tensors, metadata);
}

import { crc32 } from '../crc32.ts';
export { crc32 };

/**
 * 'crc32:' and 8 hex digits over what the checkpoint says: every metadata entry but the checksum
 * and every tensor's name, dtype, shape and data bytes, in a fixed order. Not over the file's
 * layout, so a file re-saved by another safetensors writer keeps its checksum.
 */
export function checksum(tensors: Record<string, SafeTensor>, metadata: Record<string, string>): string {
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const names = Object.keys(tensors).sort(byName);
  const meta = Object.keys(metadata).filter((k) => k !== CHECKSUM).sort(byName).map((k) => [k, metadata[k]]);
  const index = names.map((n) => [n, tensors[n].dtype, tensors[n].shape]);
  // NOTE: typed arrays are little-endian on every runtime wasmgrad runs on (wasm is).
  const data = names.map((n) => { const d = tensors[n].data; return new Uint8Array(d.buffer, d.byteOffset, d.byteLength); });
  return `crc32:${crc32([new TextEncoder().encode(JSON.stringify([meta, index])), ...data]).toString(16).padStart(8, '0')}`;
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const shown = (v: string | undefined) => (v === undefined ? 'missing' : escapeControls(JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)));

function intField(meta: Record<string, string>, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = has(meta, key) ? meta[key] : undefined;
  const v = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new CheckpointError(`checkpoint metadata '${key}' is ${shown(raw)}, expected a whole number from ${min} to ${max}; ${DAMAGED}`);
  }
  return v;
}

function positiveField(meta: Record<string, string>, key: string): number {
  const raw = has(meta, key) ? meta[key] : undefined;
  const v = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(v) || v <= 0) {
    throw new CheckpointError(`checkpoint metadata '${key}' is ${shown(raw)}, expected a positive number; ${DAMAGED}`);
  }
  return v;
}

function parseJson(meta: Record<string, string>, key: string): unknown {
  try { return JSON.parse(has(meta, key) ? meta[key] : ''); } catch { throw new CheckpointError(`checkpoint metadata '${key}' is not valid JSON; ${DAMAGED}`); }
}

/** index -> character: '.' at 0 and nowhere else, then distinct characters a name may hold. */
function parseVocab(meta: Record<string, string>): string[] {
  const itos = parseJson(meta, 'vocab');
  const bad = (why: string) => new CheckpointError(`checkpoint metadata 'vocab' ${why}; ${DAMAGED}`);
  if (!Array.isArray(itos) || !itos.every((c) => typeof c === 'string')) throw bad('is not a list of characters');
  if (itos.length < 2) throw bad(`has ${itos.length} entries; a model needs '.' and at least one character`);
  if (itos[0] !== '.') throw bad(`starts with ${shown(itos[0])}, not '.'`);
  const seen = new Set<string>(['.']);
  for (let i = 1; i < itos.length; i++) {
    const ch = itos[i];
    if (ch === '.') throw bad(`has '.' again at index ${i}; it may only be the start/end token at 0`);
    if (!isNameChar(ch)) throw bad(`entry ${i} is ${shown(ch)}, not a single printable character`);
    if (seen.has(ch)) throw bad(`has ${shown(ch)} twice (at index ${i})`);
    seen.add(ch);
  }
  return itos as string[];
}

/** The generator state, every field checked (the generator itself coerces what it is given). */
function parseGenerator(meta: Record<string, string>): GeneratorState | null {
  const g = parseJson(meta, 'generator') as Record<string, unknown> | null;
  if (g === null) return null;
  const bad = (why: string) => new CheckpointError(`checkpoint metadata 'generator' ${why}; ${DAMAGED}`);
  if (typeof g !== 'object' || Array.isArray(g)) throw bad('is not an object');
  const { seed, mt, index, normal } = g;
  if (typeof seed !== 'string' || !/^\d{1,20}$/.test(seed) || BigInt(seed) >= 2n ** 64n) throw bad('has no valid seed');
  if (!Array.isArray(mt) || mt.length !== 624 || !mt.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) throw bad("has no valid 'mt' (624 words)");
  if (!Number.isInteger(index) || (index as number) < 0 || (index as number) > 624) throw bad("has no valid 'index' (0 to 624)");
  if (normal !== null && !(typeof normal === 'number' && Number.isFinite(normal))) throw bad("has no valid 'normal'");
  const state: GeneratorState = { seed, mt: mt as number[], index: index as number, normal: normal as number | null };
  try { new Generator().setState(state); } catch (e) { throw bad(`is not usable (${escapeControls((e as Error).message)})`); }
  return state;
}

/**
 * Reads and checks a checkpoint: checksum, format, metadata, sizes against wasm memory, and every
 * tensor's name, dtype, shape and values (all finite). Throws CheckpointError, and nothing else,
 * for any file it cannot use; what it returns is exactly what was saved.
 * @example
 *   const ckpt = decodeCheckpoint(await readCheckpointFile('model.safetensors'));
 *   ckpt.itos;           // ['.', 'a', 'b', ...]
 */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    throw new CheckpointError('this is a torch.save file (`wasmgrad train --save FILE.pt` writes the weights only, for PyTorch): it has no vocabulary or run settings; pass the .safetensors checkpoint of `wasmgrad train --save FILE.safetensors`');
  }
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(escapeControls(e.message));
    throw e;
  }
  const meta = decoded.metadata;
  if (!has(meta, 'format') || meta.format !== FORMAT) throw new CheckpointError(`not a wasmgrad makemore checkpoint (its metadata has no format '${FORMAT}'); pass a file written by \`wasmgrad train --save\``);
  const version = intField(meta, 'format_version', 1, Number.MAX_SAFE_INTEGER);
  if (version > FORMAT_VERSION) throw new CheckpointError(`checkpoint format version ${version} is newer than this wasmgrad understands (${FORMAT_VERSION}); upgrade wasmgrad`);
  // The checksum first: a damaged file says so, rather than which field the damage hit.
  if (has(meta, CHECKSUM) || version >= 2) {
    const want = has(meta, CHECKSUM) ? meta[CHECKSUM] : undefined;
    const got = checksum(decoded.tensors, meta);
    if (want !== got) {
      throw new CheckpointError(`checkpoint is damaged: its contents do not match the checksum it was saved with (${want === undefined ? 'missing' : shown(want)}, now ${got}); use another copy or an earlier checkpoint`);
    }
  }
  const itos = parseVocab(meta);
  if (!has(meta, 'batchnorm') || (meta.batchnorm !== 'true' && meta.batchnorm !== 'false')) {
    throw new CheckpointError(`checkpoint metadata 'batchnorm' is ${shown(has(meta, 'batchnorm') ? meta.batchnorm : undefined)}, expected "true" or "false"; ${DAMAGED}`);
  }
  const config: ModelConfig = {
    vocabSize: itos.length,
    blockSize: intField(meta, 'block_size', 1),
    nEmbed: intField(meta, 'n_embed', 1),
    nHidden: intField(meta, 'n_hidden', 1),
    batchnorm: meta.batchnorm === 'true',
  };
  const training: TrainingState = {
    seed: intField(meta, 'seed', 0, 0xffffffff),
    batchSize: intField(meta, 'batch_size', 1),
    schedule: { lr: positiveField(meta, 'lr'), decayAt: intField(meta, 'lr_decay_at', 0), lrAfter: positiveField(meta, 'lr_after') },
    step: intField(meta, 'step', 0),
    steps: intField(meta, 'steps', 0),
    generator: parseGenerator(meta),
  };
  try {
    checkFits({ ...config, batchSize: training.batchSize, examples: 0 }, "the checkpoint's sizes", DAMAGED);
  } catch (e) {
    if (e instanceof MemoryLimitError) throw new CheckpointError(e.message);
    throw e;
  }
  const expected = expectedShapes(config);
  for (const [name, shape] of Object.entries(expected)) {
    if (!has(decoded.tensors, name)) throw new CheckpointError(`checkpoint has no tensor '${name}'; ${DAMAGED}`);
    const t = decoded.tensors[name];
    if (t.dtype !== 'F32') throw new CheckpointError(`checkpoint tensor '${name}' is ${t.dtype}, expected F32`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new CheckpointError(`checkpoint tensor '${name}' has shape [${t.shape}] but its metadata implies [${shape}]`);
    }
    const data = t.data as Float32Array;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new CheckpointError(`checkpoint tensor '${name}' holds ${data[i]} at index ${i}: the weights are damaged or training diverged; use an earlier checkpoint`);
      }
    }
  }
  const extra = Object.keys(decoded.tensors).filter((n) => !has(expected, n));
  if (extra.length) throw new CheckpointError(`checkpoint has unexpected tensors: ${extra.map((n) => shown(n)).join(', ')}; ${DAMAGED}`);
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
