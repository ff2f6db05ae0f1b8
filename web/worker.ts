// The page's training worker: loads wasmgrad (the wasm builds sit next to this script), checks
// names files, runs the notebook's model in chunks so that pause, sample and save messages get
// in between, and reads the diagnostics and the validation loss between chunks. A page holds at
// most one run per worker: the page starts a fresh worker (fresh wasm memory) for a new run.
// With threads > 1 (cross-origin-isolated pages only) it loads the -threads build and each run
// starts helper workers of its own: a threaded step may Atomics.wait, which only workers may.
// Every failure becomes a message in the page's words: the worker stays alive for the next try.
import { init, Generator, type InitInfo, type Tensor } from '../src/index.ts';
import { parseNames, buildVocab, DataError } from '../src/makemore/data.ts';
import { Session, ConfigError, datasetTensors, sampleNames, type RunConfig } from '../src/makemore/session.ts';
import { MLP } from '../src/makemore/model.ts';
import { decodeCheckpoint, loadInto, CheckpointError } from '../src/makemore/checkpoint.ts';
import { NonFiniteLossError, DivergenceError, lrAt } from '../src/makemore/train.ts';
import { tooHighLoss, saferRates, uniformLoss } from '../src/makemore/divergence.ts';
import { Diagnostics } from '../src/makemore/diagnostics.ts';
import type { Busy, FromWorker, RunInfo, SampleRequest, ToWorker } from './protocol.ts';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);
const fmt = new Intl.NumberFormat('en-US');

/** How often the page hears about progress (and the diagnostics are read), and how often it gets fresh samples. */
const PROGRESS_EVERY = 250;
const SAMPLE_MS = 1500;
/** The periodic validation loss looks at most this many val examples (the final one at all of them). */
const VAL_ROWS = 50_000;

let ready: Promise<InitInfo> | null = null;
let text: string | null = null;

/** The run: a Session to train (or null for a loaded model that can only sample). */
interface Run {
  session: Session | null;
  model: MLP;
  itos: string[];
  info: RunInfo;
  val: { X: Tensor; Y: Tensor } | null;
  diag: Diagnostics | null;
  live: SampleRequest;
  over: boolean;
}
let run: Run | null = null;
let running = false;
let pauseAsked = false;

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

/** Validation loss every this many steps: about 20 points a run, at round steps the chunks reach. */
function valInterval(steps: number): number {
  for (let p = 1000; ; p *= 10) for (const m of [1, 2, 2.5, 5]) if (m * p >= steps / 20) return m * p;
}

/** Makes the run's session. The one place a run is built: a model chooser would pick here. */
function makeSession(config: RunConfig): Session {
  if (text === null) throw new DataError('no names yet: drop a text file with one name per line, choose one, or paste names');
  return new Session(text, config);
}

function adopt(session: Session | null, model: MLP, itos: string[], why: string, live: SampleRequest): Run {
  const c = session?.config;
  const valRows = session ? Math.min(session.data.val.n, VAL_ROWS) : 0;
  let val: Run['val'] = null;
  if (session) {
    const d = session.data.val;
    val = valRows === d.n ? session.tensors.val : datasetTensors({ X: d.X.subarray(0, valRows * c!.blockSize), Y: d.Y.subarray(0, valRows), n: valRows }, c!.blockSize);
  }
  const info: RunInfo = {
    config: (c ?? {}) as RunInfo['config'],
    step: session?.step ?? 0,
    params: model.numParams(),
    vocabSize: itos.length,
    splits: session ? { train: session.data.train.n, val: session.data.val.n, test: session.data.test.n } : null,
    valEvery: session ? valInterval(session.config.steps) : 0,
    valRows,
    canTrain: !!session && !session.done,
    why,
  };
  const diag = session ? new Diagnostics(model, session.tensors.train.X, { seed: session.config.seed }) : null;
  return { session, model, itos, info, val, diag, live, over: false };
}

function evalVal(r: Run, step: number): void {
  if (!r.val) return;
  post({ type: 'val', step, loss: r.model.splitLoss(r.val.X, r.val.Y) });
}

function sample(r: Run, req: SampleRequest, step: number): void {
  post({ type: 'samples', step, names: sampleNames(r.model, r.itos, req.count, req.seed, req.temperature), request: req });
}

async function start(config: RunConfig, req: SampleRequest): Promise<void> {
  await ready;
  if (run) return;
  busy('prepare', text && text.length > 1 << 20 ? `building the training set from ${(text.length / 2 ** 20).toFixed(1)} MB of names` : 'building the training set');
  let session: Session;
  try {
    session = makeSession(config);
  } catch (e) {
    if (!userError(e)) throw e;
    post({ type: 'problem', about: 'settings', message: words(e) });
    return;
  }
  run = adopt(session, session.model, session.data.vocab.itos, '', req);
  post({ type: 'run', run: run.info });
  sample(run, req, 0);
  evalVal(run, 0);
  await train(run);
}

async function train(r: Run): Promise<void> {
  const s = r.session;
  if (!s || running || r.over || s.done) return;
  running = true;
  const V = r.itos.length;
  let lastSample = performance.now();
  let lastTime = performance.now(), lastStep = s.step;
  try {
    await s.run({
      progressEvery: PROGRESS_EVERY,
      shouldStop: () => pauseAsked,
      onLog: (step, loss) => post({ type: 'log', step, loss }),
      onProgress: (step, loss, lossi) => {
        const now = performance.now();
        const stepsPerSec = now > lastTime ? ((step - lastStep) * 1000) / (now - lastTime) : 0;
        lastStep = step;
        const arr = Float32Array.from(lossi);
        post({ type: 'progress', step, loss, lossi: arr, lr: s.lr, stepsPerSec }, [arr.buffer]);
        const high = tooHighLoss(lossi, V);
        if (high !== null) throw new Diverged(step, `the loss averaged ${high.toPrecision(4)} over the last ${fmt.format(lossi.length)} steps, more than twice the ${uniformLoss(V).toFixed(2)} of a model that guesses every character alike`);
        if (r.diag) post({ type: 'diag', snap: r.diag.after(step, lrAt(s.schedule, step - 1), step === s.config.steps) });
        // Sampling and the validation loss are kept out of steps/s; the diagnostics are not.
        const t0 = performance.now();
        if (r.info.valEvery && step % r.info.valEvery === 0 && step < s.config.steps) evalVal(r, step);
        if (t0 - lastSample > SAMPLE_MS && step < s.config.steps) { sample(r, r.live, step); lastSample = performance.now(); }
        lastTime = now + (performance.now() - t0);
      },
    });
  } catch (e) {
    if (e instanceof NonFiniteLossError) return diverged(r, e.step, `the loss became ${e.loss} at step ${fmt.format(e.step)}`);
    if (e instanceof DivergenceError) return diverged(r, e.step, e.reason); // train()'s own check (session.ts)
    if (e instanceof Diverged) return diverged(r, e.step, e.message);
    throw e;
  } finally {
    running = false;
    pauseAsked = false; // a pause asked before the run began still counts, once
  }
  if (!s.done) { post({ type: 'paused', step: s.step }); return; }
  await finish(r, s);
}

class Diverged extends Error {
  constructor(readonly step: number, message: string) { super(message); }
}

function diverged(r: Run, step: number, why: string): void {
  const s = r.session!;
  r.over = true;
  const lr = lrAt(s.schedule, Math.max(0, step - 1));
  const fix = saferRates(s.schedule, Math.max(0, step - 1));
  post({ type: 'diverged', step, message: `Training diverged: ${why}. The learning rate ${lr} is too high for this model.`, ...fix });
}

async function finish(r: Run, s: Session): Promise<void> {
  const total = s.data.train.n + s.data.val.n + s.data.test.n;
  let shown = 0;
  busy('evaluate', `computing the final losses on all ${fmt.format(total)} examples`, 0);
  const final = s.splitLosses((done) => {
    const now = performance.now();
    if (now - shown > 100) { shown = now; busy('evaluate', `computing the final losses on all ${fmt.format(total)} examples`, done / total); }
  });
  post({ type: 'val', step: s.step, loss: final.val });
  sample(r, r.live, s.step);
  post({ type: 'finished', step: s.step, final, seconds: s.seconds });
}

async function load(bytes: ArrayBuffer, name: string, req: SampleRequest): Promise<void> {
  await ready;
  if (run) return;
  busy('load', `reading ${name}`);
  let ckpt;
  try {
    ckpt = decodeCheckpoint(new Uint8Array(bytes));
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    post({ type: 'problem', about: 'model', message: `${name}: ${words(e)}; choose a .safetensors model saved by this page or by wasmgrad train` });
    return;
  }
  let session: Session | null = null, why = '';
  if (text === null) {
    why = 'To continue training it, load the names it was trained on first, then the model again.';
  } else {
    busy('load', `building the training set to continue ${name}`);
    try {
      session = Session.fromCheckpoint(text, ckpt);
    } catch (e) {
      if (!userError(e)) throw e;
      why = `It cannot continue training here: ${words(e)}.`;
    }
  }
  let model: MLP;
  if (session) model = session.model;
  else {
    model = new MLP(ckpt.config, new Generator().manualSeed(ckpt.training.seed));
    loadInto(model, ckpt);
  }
  run = adopt(session, model, ckpt.itos, why, req);
  if (!session) {
    const t = ckpt.training, c = ckpt.config;
    run.info.config = { steps: t.steps, batchSize: t.batchSize, blockSize: c.blockSize, nEmbed: c.nEmbed, nHidden: c.nHidden, seed: t.seed, lr: t.schedule.lr, decayAt: t.schedule.decayAt, lrAfter: t.schedule.lrAfter, batchnorm: c.batchnorm };
    run.info.step = t.step;
  }
  post({ type: 'run', run: run.info });
  sample(run, req, run.info.step);
  if (session && !session.done) evalVal(run, session.step);
  post(session && !session.done ? { type: 'paused', step: session.step } : { type: 'finished', step: run.info.step, final: null, seconds: 0 });
}

function save(): void {
  const s = run?.session;
  if (!s) return;
  const bytes = s.checkpoint();
  post({ type: 'saved', bytes: bytes.buffer as ArrayBuffer, name: `makemore-mlp-step${s.step}.safetensors`, step: s.step }, [bytes.buffer as ArrayBuffer]);
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
    case 'start': await start(msg.config, msg.sample); break;
    case 'resume': if (run) { run.live = msg.sample; await train(run); } break;
    case 'pause': pauseAsked = running; break;
    case 'sample':
      if (!run) break;
      run.live = msg.sample;
      try {
        sample(run, msg.sample, run.session?.step ?? run.info.step);
      } catch (e) {
        if (!userError(e)) throw e;
        post({ type: 'problem', about: 'sample', message: words(e) });
      }
      break;
    case 'save': save(); break;
    case 'load': await load(msg.bytes, msg.name, msg.sample); break;
  }
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  handle(ev.data).catch((e) => post({ type: 'failed', message: `The training worker hit an internal error: ${words(e)}.` }));
};
self.addEventListener('unhandledrejection', (e) => post({ type: 'failed', message: `The training worker hit an internal error: ${words((e as PromiseRejectionEvent).reason)}.` }));
