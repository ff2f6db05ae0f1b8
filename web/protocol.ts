// The messages between the page (app.ts) and its training worker (worker.ts). The worker owns
// wasmgrad, the data and the model; the page owns the UI and never blocks on training. Every
// message text the worker sends is meant for the page as it is: no CLI flags, no API talk.
import type { Build, InitInfo } from '../src/index.ts';
import type { RunConfig } from '../src/makemore/session.ts';
import type { Snapshot } from '../src/makemore/diagnostics.ts';

/** The longest run the page takes (session.ts's MAX_STEPS; repeated here to keep the library out of the page's main bundle). */
export const MAX_STEPS = 1_000_000;

export interface SampleRequest { count: number; seed: number; temperature: number }

export type ToWorker =
  /** threads > 1 needs a cross-origin-isolated page (shared memory); the worker then starts helpers. */
  | { type: 'init'; build: Build | 'auto'; threads: number }
  /** A names file (or pasted text as a Blob): checked at once, used by the next run. */
  | { type: 'data'; id: number; blob: Blob; source: string }
  /** Starts a run with these settings. */
  | { type: 'start'; config: RunConfig; sample: SampleRequest }
  /** Continues the paused (or loaded) run. */
  | { type: 'resume'; sample: SampleRequest }
  | { type: 'pause' }
  | { type: 'sample'; sample: SampleRequest }
  | { type: 'save' }
  /** A checkpoint's bytes: becomes the run (to continue, or to sample from). */
  | { type: 'load'; bytes: ArrayBuffer; name: string; sample: SampleRequest };

/** What the page shows while the worker is busy for a while; fraction is null when unknown. */
export interface Busy { what: 'check' | 'prepare' | 'load' | 'evaluate'; label: string; fraction: number | null }

export interface RunInfo {
  config: Required<RunConfig>;
  /** Where the run starts (0, or a loaded checkpoint's step). */
  step: number;
  params: number;
  vocabSize: number;
  splits: Record<'train' | 'val' | 'test', number> | null;
  /** Validation loss every this many steps (0: none), on this many val examples. */
  valEvery: number;
  valRows: number;
  /** False for a loaded model that can only sample; `why` says what it would need. */
  canTrain: boolean;
  why: string;
}

export type FromWorker =
  | { type: 'ready'; info: InitInfo; ms: number }
  /** The wasm build could not load: the page stays without a worker until the user picks another. */
  | { type: 'initError'; message: string }
  | { type: 'busy'; busy: Busy }
  | { type: 'data'; id: number; source: string; names: number; vocab: string }
  /** Bad names data: the previous data (if any) stays in use. */
  | { type: 'dataError'; id: number; source: string; message: string }
  /** A run exists now (started, or loaded from a file). */
  | { type: 'run'; run: RunInfo }
  /** log10 losses of the steps since the last message, and the loss of the latest step. */
  | { type: 'progress'; step: number; loss: number; lossi: Float32Array; lr: number; stepsPerSec: number }
  /** The CLI's log lines (every 10,000 steps, and step 0), with the loss at full precision. */
  | { type: 'log'; step: number; loss: number }
  /** The validation loss after `step` steps. */
  | { type: 'val'; step: number; loss: number }
  | { type: 'diag'; snap: Snapshot }
  | { type: 'samples'; step: number; names: string[]; request: SampleRequest }
  | { type: 'paused'; step: number }
  | { type: 'finished'; step: number; final: { train: number; val: number; test: number } | null; seconds: number }
  /** The loss ran away; `lr`/`lrAfter` are what to try instead. */
  | { type: 'diverged'; step: number; message: string; lr: number; lrAfter: number }
  | { type: 'saved'; bytes: ArrayBuffer; name: string; step: number }
  /** A settings, sampling or file problem the user can fix; the run (if any) is as it was. */
  | { type: 'problem'; about: 'settings' | 'sample' | 'model'; message: string }
  /** Something broke: the run cannot go on. */
  | { type: 'failed'; message: string };
