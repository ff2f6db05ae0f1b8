// How much wasm memory a makemore run needs, checked before anything is allocated: sizes come
// from flags and from checkpoint files, and a wrong one (block_size 20000, --hidden 400000) must
// be a clear error up front, not gigabytes allocated and a crash after training. Portable.
// Leaves out: the engine's own allocator (src/wasm/heap.ts), which still throws if we are wrong.
import { parseNames, buildVocab } from './data.ts';

/** wasm32 memory holds at most 65536 pages of 64 KiB. */
export const WASM_MAX_BYTES = 4 * 2 ** 30;
/**
 * What a run may plan to use. NOTE: below the 4 GiB maximum because the heap grows by at least
 * a quarter of its size at a time, so a request can fail at ~3.2 GiB in use; and our estimate
 * is an estimate.
 */
export const BUDGET_BYTES = 3 * 2 ** 30;
/** Rows per chunk of the split losses and the calibration (MLP.splitLoss's default). */
export const EVAL_CHUNK = 2048;

export interface RunSizes {
  vocabSize: number;
  blockSize: number;
  nEmbed: number;
  nHidden: number;
  batchnorm: boolean;
  /** Rows per training step (0 when nothing is trained). */
  batchSize: number;
  /** (context, target) examples over all three splits (0 when no data is loaded). */
  examples: number;
}

/** A run too large for wasm memory; the message gives the figures and what to make smaller. */
export class MemoryLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryLimitError';
  }
}

/** Parameter count of the notebook MLP (with batch-norm gain, bias and running statistics). */
export function paramCount(s: Omit<RunSizes, 'batchSize' | 'examples'>): number {
  const { vocabSize: V, blockSize: BS, nEmbed: E, nHidden: H } = s;
  return V * E + E * BS * H + H + H * V + V + (s.batchnorm ? 4 * H : 0);
}

/**
 * Bytes of wasm memory a run holds at its peak, in four parts, float32/int32 each 4 bytes.
 * Fitted to memoryStats() over runs from the notebook's sizes to H 2000, B 1024, K 300, block 40
 * (tests/makemore/limits.test.ts): never below what the engine allocates, at most ~2.5x above.
 */
export function runBytes(s: RunSizes): { params: number; data: number; step: number; eval: number; total: number } {
  const { vocabSize: V, blockSize: BS, nEmbed: E, nHidden: H, batchSize: B } = s;
  const K = BS * E;
  // Parameters and gradients, the optimizer's packed copies of both, the init's temporaries.
  const params = 8 * paramCount(s) * 4;
  // X (n, blockSize) and Y (n) of every split, kept for the whole run.
  const data = s.examples * (BS + 1) * 4;
  // NOTE: up to 2x what one step holds live: temporaries wait two steps before reuse, and the
  // compiled step's capture runs eagerly before its program takes its own blocks.
  const arena = 2;
  // One training step's batch, activations and their gradients.
  const step = B > 0 ? (B * (2 + BS + 2 * K + 6 * H + 3 * V) + 2 * H) * 4 * arena : 0;
  // One chunk of the split losses (or the calibration, or one sampled row).
  const rows = s.examples > 0 ? Math.min(EVAL_CHUNK, s.examples) : 1;
  const evalBytes = arena * rows * (1 + 2 * BS + 3 * K + 5 * H + 4 * V) * 4;
  return { params, data, step, eval: evalBytes, total: params + data + step + evalBytes };
}

const gb = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : `${Math.ceil(n / 2 ** 20)} MiB`);

/**
 * Throws a MemoryLimitError if the run cannot fit in wasm memory; `from` says where the sizes
 * came from ("the checkpoint's sizes"), `fix` what to do, for the message.
 * @example
 *   checkFits({ vocabSize: 27, blockSize: 20000, nEmbed: 10, nHidden: 200, batchnorm: true, batchSize: 32, examples: 228146 }, 'these sizes');
 *   // MemoryLimitError: these sizes need about 21.3 GiB of wasm memory (data 17.0 GiB, ...
 */
export function checkFits(s: RunSizes, from: string, fix = 'use smaller sizes or less data'): void {
  for (const [k, v] of Object.entries(s)) {
    if (typeof v === 'number' && !(Number.isSafeInteger(v) && v >= 0)) throw new MemoryLimitError(`${from}: ${k} ${v} is not a size`);
  }
  const b = runBytes(s);
  if (b.total <= BUDGET_BYTES) return;
  const parts = ([['weights', b.params], ['data', b.data], ['training step', b.step], ['evaluation', b.eval]] as const)
    .filter(([, n]) => n >= b.total / 10).map(([what, n]) => `${what} ${gb(n)}`).join(', ');
  throw new MemoryLimitError(
    `${from} need about ${gb(b.total)} of wasm memory (${parts}; block size ${s.blockSize}, embedding ${s.nEmbed}, ` +
    `hidden ${s.nHidden}${s.batchSize ? `, batch ${s.batchSize}` : ''}${s.examples ? `, ${s.examples} examples` : ''}), ` +
    `more than the ${gb(BUDGET_BYTES)} a wasmgrad run can use; ${fix}`);
}

/** (context, target) examples the notebook's build_dataset makes from these words: one per character, plus the end. */
export function countExamples(words: readonly string[]): number {
  let n = 0;
  for (const w of words) n += [...w].length + 1;
  return n;
}

/**
 * checkFits for a run on this names text, before its splits are built (they are the part that
 * grows with the data): counts its examples and vocabulary. Throws DataError for bad text.
 */
export function checkDataFits(text: string | string[], s: Omit<RunSizes, 'vocabSize' | 'examples'>, from: string, fix?: string): void {
  const words = typeof text === 'string' ? parseNames(text) : text;
  checkFits({ ...s, vocabSize: buildVocab(words).itos.length, examples: countExamples(words) }, from, fix);
}

/**
 * The user's words for an allocation that failed (the engine's "out of wasm memory", or a JS
 * typed array too large to create), or null for any other error.
 */
export function outOfMemoryMessage(e: unknown, fix = 'use a smaller --hidden, --embed, --block-size or --batch-size, or less data'): string | null {
  const msg = (e as Error)?.message ?? '';
  if (/out of wasm memory/.test(msg) || (e instanceof RangeError && /allocation failed|Invalid typed array length|Array buffer allocation|Invalid array length/i.test(msg))) {
    return `out of memory: this run needs more than wasm (4 GiB) or this machine can give; ${fix}`;
  }
  return null;
}
