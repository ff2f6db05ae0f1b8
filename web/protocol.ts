// The messages between the page (app.ts) and its training worker (worker.ts). The worker owns
// wasmgrad, the data and the model; the page owns the UI and never blocks on training.
import type { Build, InitInfo } from '../src/index.ts';
import type { RunConfig } from '../src/makemore/session.ts';

/** The longest run the page takes (session.ts's MAX_STEPS; repeated here to keep the library out of the page's main bundle). */
export const MAX_STEPS = 1_000_000;

export type ToWorker =
  /** threads > 1 needs a cross-origin-isolated page (shared memory); the worker then starts helpers. */
  | { type: 'init'; build: Build | 'auto'; threads: number }
  /** A names file's text: checked at once, used by the next run. */
  | { type: 'data'; id: number; text: string; source: string }
  /** Starts a run with these settings, or continues the paused one. */
  | { type: 'start'; config: RunConfig }
  | { type: 'pause' };

export type FromWorker =
  | { type: 'ready'; info: InitInfo; ms: number }
  | { type: 'data'; id: number; source: string; names: number; vocab: string }
  /** Bad names data: the previous data (if any) stays in use. */
  | { type: 'dataError'; id: number; source: string; message: string }
  | { type: 'started'; params: number; splits: Record<'train' | 'val' | 'test', number>; ms: number }
  /** log10 losses of the steps since the last message, and the loss of the latest step. */
  | { type: 'progress'; step: number; loss: number; lossi: Float32Array; lr: number; stepsPerSec: number }
  /** The CLI's log lines (every 10,000 steps, and step 0), with the loss at full precision. */
  | { type: 'log'; step: number; loss: number }
  | { type: 'samples'; step: number; names: string[] }
  | { type: 'paused'; step: number }
  | { type: 'finished'; step: number; final: { train: number; val: number; test: number }; samples: string[]; seconds: number }
  | { type: 'error'; message: string };
