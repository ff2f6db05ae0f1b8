// The page's training worker: loads wasmgrad (the wasm builds sit next to this script), checks
// names files, runs the chosen model (runs.ts: the notebook's, or one of makemore.py's) in chunks
// so that pause, sample and save messages get in between, and reads the diagnostics and the
// held-out loss between chunks. A page holds at most one run per worker: the page starts a fresh
// worker (fresh wasm memory) for a new run. With threads > 1 (cross-origin-isolated pages only)
// it loads the -threads build and the notebook's run starts helper workers of its own: a threaded
// step may Atomics.wait, which only workers may. Every failure becomes a message in the page's
// words: the worker stays alive for the next try.
import { init, type InitInfo } from '../src/index.ts';
import { parseNames, buildVocab, DataError } from '../src/makemore/data.ts';
import { ConfigError } from '../src/makemore/session.ts';
import { decodeCheckpoint, CheckpointError } from '../src/makemore/checkpoint.ts';
import { NonFiniteLossError, DivergenceError } from '../src/makemore/train.ts';
import { tooHighLoss, uniformLoss } from '../src/makemore/divergence.ts';
import { decodeSafetensors } from '../src/safetensors.ts';
import { MODEL_FORMAT, STATE_FORMAT, decodeModel, decodeState, decodeTorchModel } from '../src/makemore/zoo/checkpoint.ts';
import { NotebookRun, ZooPageRun, startRun, type PageRun } from './runs.ts';
import { modelById } from './models.ts';
import type { Busy, FromWorker, SampleRequest, Settings, ToWorker } from './protocol.ts';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);
const fmt = new Intl.NumberFormat('en-US');

/** How often the page hears about progress (and the diagnostics are read), and how often it gets fresh samples. */
const PROGRESS_EVERY = 250;
const SAMPLE_MS = 1500;

let ready: Promise<InitInfo> | null = null;
let text: string | null = null;

/** The run, and what the worker keeps about it. */
interface Run { run: PageRun; live: SampleRequest; over: boolean }
let current: Run | null = null;
let running = false;
let pauseAsked = false;

/**
 * Flow control: the last progress step the page has acknowledged ('seen'). After posting the
 * progress of step s the run waits until the page has seen step s - PROGRESS_EVERY, so it is never
 * more than one progress message ahead of the page: a Pause pressed on a busy machine (the page's
 * thread slow to handle messages) stops the run within PROGRESS_EVERY steps of what it showed.
 */
let seen = 0;
let waiting: { step: number; resume: () => void } | null = null;
function pageSeen(step: number): void {
  seen = Math.max(seen, step);
  if (waiting && seen >= waiting.step) { const w = waiting; waiting = null; w.resume(); }
}
const pageCaughtUp = (step: number): Promise<void> | undefined =>
  (seen >= step ? undefined : new Promise<void>((resume) => { waiting = { step, resume }; }));

/** A message the page can show as it is: our errors are written for people, CLI hints cut off. */
function words(e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e)).replace(/^wasmgrad: /, '');
  return msg.split(/;\s*/).filter((part, i) => i === 0 || !/--|init\(|npm |`wasmgrad /.test(part)).join('; ');
}
const userError = (e: unknown) => e instanceof DataError || e instanceof ConfigError || e instanceof CheckpointError;

function busy(what: Busy['what'], label: string, fraction: number | null = null): void {
  post({ type: 'busy', busy: { what, label, fraction } });
}

async function check(id: number, blob: Blob, source: string): Promise<void> {
  if (blob.size > 1 << 20) busy('check', `checking ${source} (${(blob.size / 2 ** 20).toFixed(1)} MB)`);
  try {
    const newText = await blob.text();
    const words = parseNames(newText);
    const vocab = buildVocab(words);
    text = newText;
    post({ type: 'data', id, source, names: words.length, vocab: vocab.itos.slice(1).join('') });
  } catch (e) {
    post({ type: 'dataError', id, source, message: words(e) });
  }
}

function adopt(run: PageRun, live: SampleRequest): Run {
  current = { run, live, over: false };
  post({ type: 'run', run: run.info });
  return current;
}

function heldOut(r: Run, step: number): void {
  if (r.run.heldOutEvery) post({ type: 'val', step, loss: r.run.heldOutLoss() });
}

function sample(r: Run, req: SampleRequest, step: number): void {
  post({ type: 'samples', step, names: r.run.sample(req), request: req });
}

async function start(model: string, settings: Settings, req: SampleRequest): Promise<void> {
  await ready;
  if (current) return;
  if (text === null) {
    post({ type: 'problem', about: 'settings', message: 'no names yet: drop a text file with one name per line, choose one, or paste names' });
    return;
  }
  busy('prepare', text.length > 1 << 20 ? `building the training set from ${(text.length / 2 ** 20).toFixed(1)} MB of names` : 'building the training set');
  let run: PageRun;
  try {
    run = startRun(model, text, settings);
  } catch (e) {
    if (!userError(e)) throw e;
    post({ type: 'problem', about: 'settings', message: words(e) });
    return;
  }
  const r = adopt(run, req);
  sample(r, req, 0);
  heldOut(r, 0);
  await train(r);
}

async function train(r: Run): Promise<void> {
  const run = r.run;
  if (!run.canTrain || running || r.over) return;
  running = true;
  const V = run.info.vocabSize;
  let lastSample = performance.now();
  let lastTime = performance.now(), lastStep = run.step;
  seen = run.step;
  try {
    await run.train({
      progressEvery: PROGRESS_EVERY,
      shouldStop: () => pauseAsked,
      onLog: (step, loss) => post({ type: 'log', step, loss }),
      onHeldOut: (step, loss) => post({ type: 'val', step, loss }),
      onProgress: (step, loss, lossi) => {
        const now = performance.now();
        const stepsPerSec = now > lastTime ? ((step - lastStep) * 1000) / (now - lastTime) : 0;
        lastStep = step;
        const arr = Float32Array.from(lossi);
        post({ type: 'progress', step, loss, lossi: arr, lr: run.lr, stepsPerSec }, [arr.buffer]);
        const high = tooHighLoss(lossi, V);
        if (high !== null) throw new Diverged(step, `the loss averaged ${high.toPrecision(4)} over the last ${fmt.format(lossi.length)} steps, more than twice the ${uniformLoss(V).toFixed(2)} of a model that guesses every character alike`);
        const snap = run.diagnose(step, step === run.info.steps);
        if (snap) post({ type: 'diag', snap });
        // Sampling and the held-out loss are kept out of steps/s; the diagnostics are not.
        const t0 = performance.now();
        if (run.heldOutEvery && step % run.heldOutEvery === 0 && step < run.info.steps) heldOut(r, step);
        if (t0 - lastSample > SAMPLE_MS && step < run.info.steps) { sample(r, r.live, step); lastSample = performance.now(); }
        lastTime = now + (performance.now() - t0);
        return pageCaughtUp(step - PROGRESS_EVERY);
      },
    });
  } catch (e) {
    if (e instanceof NonFiniteLossError) return diverged(r, e.step, `the loss became ${e.loss} at step ${fmt.format(e.step)}`);
    if (e instanceof DivergenceError) return diverged(r, e.step, e.reason); // the run's own check
    if (e instanceof Diverged) return diverged(r, e.step, e.message);
    throw e;
  } finally {
    running = false;
    pauseAsked = false; // a pause asked before the run began still counts, once
  }
  if (!run.done) { post({ type: 'paused', step: run.step }); return; }
  await finish(r);
}

class Diverged extends Error {
  constructor(readonly step: number, message: string) { super(message); }
}

function diverged(r: Run, step: number, why: string): void {
  r.over = true;
  const { fix, label, lr } = r.run.divergenceFix(step);
  post({ type: 'diverged', step, message: `Training diverged: ${why}. The learning rate ${lr} is too high for this model.`, fix, fixLabel: label });
}

async function finish(r: Run): Promise<void> {
  const run = r.run;
  const whole = modelById(run.info.model)!.heldOut === 'val'; // the notebook's: the whole splits; makemore.py's: its evaluation
  const label = `computing the final losses on ${whole ? 'all' : 'up to'} ${fmt.format(run.finalExamples)} examples`;
  let shown = 0;
  busy('evaluate', label, 0);
  const t0 = performance.now();
  const final = run.final((fraction) => {
    const now = performance.now();
    if (now - shown > 100) { shown = now; busy('evaluate', label, fraction); }
  });
  if (whole) post({ type: 'val', step: run.step, loss: final.val });
  sample(r, r.live, run.step);
  post({ type: 'finished', step: run.step, final, seconds: (performance.now() - t0) / 1000 });
}

/** Which kind of file these bytes are, by the format in their metadata: the notebook's checkpoint, or makemore.py's run or weights. */
function formatOf(bytes: Uint8Array): string {
  try {
    return decodeSafetensors(bytes).metadata.format ?? '';
  } catch {
    return ''; // not safetensors at all: the notebook's reader says what is wrong
  }
}

async function load(bytes: ArrayBuffer, name: string, req: SampleRequest, modelId: string, fields: Settings): Promise<void> {
  await ready;
  if (current) return;
  busy('load', `reading ${name}`);
  const data = new Uint8Array(bytes);
  let run: PageRun;
  try {
    const format = formatOf(data);
    if (data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04) {
      // PK\x03\x04: a zip, so torch.save's format (makemore.py's model.pt)
      if (text !== null) busy('load', `building the training set to train on from ${name}`);
      run = ZooPageRun.fromTorch(text, modelId, fields, decodeTorchModel(data, 'the file'));
    } else if (format === STATE_FORMAT || format === MODEL_FORMAT) {
      if (text !== null) busy('load', `building the training set to continue ${name}`);
      run = format === STATE_FORMAT ? ZooPageRun.resume(text, decodeState(data, 'the file')) : ZooPageRun.weights(decodeModel(data, 'the file'));
    } else {
      const ckpt = decodeCheckpoint(data);
      if (text !== null) busy('load', `building the training set to continue ${name}`);
      run = NotebookRun.load(text, ckpt);
    }
  } catch (e) {
    if (!userError(e)) throw e;
    post({ type: 'problem', about: 'model', message: `${name}: ${words(e)}; choose a .safetensors model saved by this page, by wasmgrad train or by wasmgrad makemore, or makemore.py's model.pt` });
    return;
  }
  const r = adopt(run, req);
  sample(r, req, run.step);
  if (run.canTrain) heldOut(r, run.step);
  post(run.canTrain ? { type: 'paused', step: run.step } : { type: 'finished', step: run.step, final: null, seconds: 0 });
}

function save(what: 'run' | 'weights' | 'torch'): void {
  const run = current?.run;
  if (!run?.info.splits) return;
  try {
    const { bytes, name } = run.save(what);
    post({ type: 'saved', bytes: bytes.buffer as ArrayBuffer, name, step: run.step }, [bytes.buffer as ArrayBuffer]);
  } catch (e) {
    if (!userError(e)) throw e;
    post({ type: 'problem', about: 'model', message: words(e) });
  }
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init': {
      const t0 = performance.now();
      const build = msg.build === 'auto' ? undefined : msg.build;
      ready = init({ build, threads: msg.threads, wasm: (_b, file) => new URL(`./${file}.wasm`, import.meta.url) });
      try {
        post({ type: 'ready', info: await ready, ms: performance.now() - t0 });
      } catch (e) {
        post({ type: 'initError', message: `The ${build ?? 'best'} wasm build could not start here: ${words(e)}.` });
      }
      break;
    }
    case 'data': await check(msg.id, msg.blob, msg.source); break;
    case 'start': await start(msg.model, msg.settings, msg.sample); break;
    case 'resume': if (current) { current.live = msg.sample; await train(current); } break;
    case 'pause': pauseAsked = running; break;
    case 'seen': pageSeen(msg.step); break;
    case 'sample':
      if (!current) break;
      current.live = msg.sample;
      try {
        sample(current, msg.sample, current.run.step);
      } catch (e) {
        if (!userError(e)) throw e;
        post({ type: 'problem', about: 'sample', message: words(e) });
      }
      break;
    case 'save': save(msg.what); break;
    case 'load': await load(msg.bytes, msg.name, msg.sample, msg.model, msg.settings); break;
  }
}
self.onmessage = (ev: MessageEvent<ToWorker>) => {
  handle(ev.data).catch((e) => post({ type: 'failed', message: `The training worker hit an internal error: ${words(e)}.` }));
};
self.addEventListener('unhandledrejection', (e) => post({ type: 'failed', message: `The training worker hit an internal error: ${words((e as PromiseRejectionEvent).reason)}.` }));
