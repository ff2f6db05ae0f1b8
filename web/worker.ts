// The page's training worker: loads wasmgrad (the wasm builds sit next to this script), checks
// names files, and runs the notebook's model in chunks so that a pause message gets in between.
// With threads > 1 (cross-origin-isolated pages only) it loads the -threads build and each run
// starts helper workers of its own: a threaded step may Atomics.wait, which only workers may.
// Every failure becomes an 'error' message: the worker stays alive for the next try.
import { init, type InitInfo } from '../src/index.ts';
import { parseNames, buildVocab } from '../src/makemore/data.ts';
import { Session } from '../src/makemore/session.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let ready: Promise<InitInfo> | null = null;
let text: string | null = null;
let session: Session | null = null;
let running = false;
let pauseAsked = false;

/** How often the page hears about progress, and how often it gets fresh samples. */
const PROGRESS_EVERY = 250;
const SAMPLE_MS = 1500;
const LIVE_SAMPLES = 12;

function fail(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  post({ type: 'error', message: msg.replace(/^wasmgrad: /, '') });
}

function check(id: number, newText: string, source: string): void {
  try {
    const words = parseNames(newText);
    const vocab = buildVocab(words);
    text = newText;
    post({ type: 'data', id, source, names: words.length, vocab: vocab.itos.slice(1).join('') });
  } catch (e) {
    post({ type: 'dataError', id, source, message: (e as Error).message });
  }
}

async function start(msg: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  if (running) return;
  await ready;
  if (!session) {
    if (text === null) throw new Error('no names data yet: drop a text file with one name per line, or pick one');
    const t0 = performance.now();
    session = new Session(text, msg.config);
    const d = session.data;
    post({ type: 'started', params: session.model.numParams(), splits: { train: d.train.n, val: d.val.n, test: d.test.n }, ms: performance.now() - t0 });
    post({ type: 'samples', step: 0, names: session.sample(LIVE_SAMPLES) });
  }
  const s = session;
  running = true;
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
        lastTime = now; lastStep = step;
        const arr = Float32Array.from(lossi);
        post({ type: 'progress', step, loss, lossi: arr, lr: s.lr, stepsPerSec }, [arr.buffer]);
        if (now - lastSample > SAMPLE_MS && !s.done) {
          // Sampling uses its own generator: the training numbers stay the CLI's.
          post({ type: 'samples', step, names: s.sample(LIVE_SAMPLES) });
          lastSample = performance.now();
          lastTime += lastSample - now; // keep sampling time out of steps/s
        }
      },
    });
  } finally {
    running = false;
    pauseAsked = false; // a pause asked before the run began still counts, once
  }
  if (!s.done) { post({ type: 'paused', step: s.step }); return; }
  const final = s.splitLosses();
  post({ type: 'finished', step: s.step, final, samples: s.sample(20), seconds: s.seconds });
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'init': {
      const t0 = performance.now();
      ready = init({
        build: msg.build === 'auto' ? undefined : msg.build,
        threads: msg.threads,
        wasm: (_build, file) => new URL(`./${file}.wasm`, import.meta.url),
      });
      ready.then((info) => post({ type: 'ready', info, ms: performance.now() - t0 }), fail);
      break;
    }
    case 'data': check(msg.id, msg.text, msg.source); break;
    case 'start': start(msg).catch(fail); break;
    case 'pause': pauseAsked = true; break;
  }
};
self.addEventListener('unhandledrejection', (e) => fail((e as PromiseRejectionEvent).reason));
