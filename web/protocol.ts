// The messages between the page (app.ts) and its training worker (worker.ts). The worker owns
// wasmgrad, the data and the model; the page owns the UI and never blocks on training. Every
// message text the worker sends is meant for the page as it is: no CLI flags, no API talk.
import type { Build, InitInfo } from '../src/index.ts';
import type { Snapshot } from '../src/makemore/diagnostics.ts';

/** The longest run the page takes (session.ts's MAX_STEPS; repeated here to keep the library out of the page's main bundle). */
export const MAX_STEPS = 1_000_000;

export interface SampleRequest { count: number; seed: number; temperature: number }

/** A run's settings: its model's fields (web/models.ts) by key. */
export type Settings = Record<string, number>;

export type ToWorker =
  /** threads > 1 needs a cross-origin-isolated page (shared memory); the worker then starts helpers. */
  | { type: 'init'; build: Build | 'auto'; threads: number }
  /** A names file (or pasted text as a Blob): checked at once, used by the next run. */
  | { type: 'data'; id: number; blob: Blob; source: string }
  /** Starts a run of this model (web/models.ts's id) with these settings. */
  | { type: 'start'; model: string; settings: Settings; sample: SampleRequest }
  /** Continues the paused (or loaded) run. */
  | { type: 'resume'; sample: SampleRequest }
  | { type: 'pause' }
  /**
   * The page has handled the progress message of this step, and everything the user did in
   * reaction to it (it is sent in a later task): the run goes at most one progress message ahead.
   */
  | { type: 'seen'; step: number }
  | { type: 'sample'; sample: SampleRequest }
  /** 'run': everything to continue it exactly; 'weights': the model alone (makemore.py's model file), where a run has one; 'torch': the same as makemore.py's model.pt. */
  | { type: 'save'; what: 'run' | 'weights' | 'torch' }
  /**
   * A checkpoint's bytes: becomes the run (to continue, or to sample from). `model` and `settings`
   * are the form's: a makemore.py model.pt holds weights only, so, as makemore.py's --resume
   * takes its flags, the chosen model and sizes say what it is.
   */
  | { type: 'load'; bytes: ArrayBuffer; name: string; sample: SampleRequest; model: string; settings: Settings };

/** What the page shows while the worker is busy for a while; fraction is null when unknown. */
export interface Busy { what: 'check' | 'prepare' | 'load' | 'evaluate'; label: string; fraction: number | null }

export interface RunInfo {
  /** The model's id (web/models.ts). */
  model: string;
  /** Its settings as the page's fields show them. */
  settings: Settings;
  /** The run's length in steps. */
  steps: number;
  /** Where the run starts (0, or a loaded checkpoint's step). */
  step: number;
  params: number;
  vocabSize: number;
  /** The examples of each split (the notebook: contexts of train/val/test; makemore.py: words of train/test). */
  splits: Record<string, number> | null;
  /** Says how often and on what the held-out loss is measured. */
  heldOutNote: string;
  /** The parameters the update-to-data plot follows; activations: whether the tanh histograms exist. */
  diagNames: string[];
  activations: boolean;
  /** A weights-only file can be saved too (makemore.py's model file). */
  weights: boolean;
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
  /** The held-out loss (RunInfo.heldOut) at `step`. */
  | { type: 'val'; step: number; loss: number }
  | { type: 'diag'; snap: Snapshot }
  | { type: 'samples'; step: number; names: string[]; request: SampleRequest }
  | { type: 'paused'; step: number }
  | { type: 'finished'; step: number; final: Record<string, number> | null; seconds: number }
  /** The loss ran away; `fix` holds the settings to try instead, `fixLabel` says them. */
  | { type: 'diverged'; step: number; message: string; fix: Settings; fixLabel: string }
  | { type: 'saved'; bytes: ArrayBuffer; name: string; step: number }
  /** A settings, sampling or file problem the user can fix; the run (if any) is as it was. */
  | { type: 'problem'; about: 'settings' | 'sample' | 'model'; message: string }
  /** Something broke: the run cannot go on. */
  | { type: 'failed'; message: string };
