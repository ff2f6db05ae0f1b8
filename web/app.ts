// The page: settings, data, Start / Pause / Reset, live stats, the loss chart (uPlot) and samples.
// All training happens in worker.ts; this thread only draws. Reset throws the worker away (and
// with it the wasm memory) and starts a fresh one with the chosen build and thread count (2
// threads only on a cross-origin-isolated page, which shared memory needs).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Build } from '../src/index.ts';
import type { RunConfig } from '../src/makemore/session.ts';
import { MAX_STEPS, type FromWorker, type ToWorker } from './protocol.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const fmt = new Intl.NumberFormat('en-US');

type State = 'loading' | 'ready' | 'running' | 'pausing' | 'paused' | 'finished';
let state: State = 'loading';
let worker: Worker;
let dataText: string | null = null;
let dataSource = '';
let dataLabel = '';
/** Texts sent to the worker for checking, by message id, until it answers. */
const pending = new Map<number, string>();
let nextId = 1;
let hasData = false;
let startClickedAt = 0;
let firstStepMs: number | null = null;
let rate = 0;

// The loss curve: log10 loss of every step and its running mean over `win` steps.
let raw = new Float32Array(0), mean = new Float32Array(0);
let count = 0, win = 1000, winSum = 0, totalSteps = 0;
let chart: uPlot | null = null;
let drawQueued = false;

const inputs = ['steps', 'seed', 'blockSize', 'nEmbed', 'nHidden', 'batchSize', 'lr', 'lrAfter'] as const;

function setState(s: State): void {
  state = s;
  document.body.dataset.state = s;
  const label: Record<State, string> = { loading: 'loading', ready: 'ready', running: 'training', pausing: 'pausing', paused: 'paused', finished: 'finished' };
  $('status').textContent = label[s];
  const fresh = s === 'ready' || s === 'loading';
  $<HTMLButtonElement>('start').disabled = !(hasData && (s === 'ready' || s === 'paused'));
  $<HTMLButtonElement>('start').textContent = s === 'paused' ? 'Resume' : 'Start';
  $<HTMLButtonElement>('pause').disabled = s !== 'running';
  for (const id of inputs) $<HTMLInputElement>(id).disabled = !fresh;
}

function showError(msg: string | null): void {
  const el = $('error');
  el.textContent = msg ?? '';
  el.classList.toggle('show', !!msg);
}

function send(m: ToWorker): void { worker.postMessage(m); }

function readConfig(): RunConfig {
  const num = (id: string) => {
    const v = $<HTMLInputElement>(id).value.trim();
    return v === '' ? NaN : Number(v);
  };
  return {
    steps: num('steps'), seed: num('seed'), blockSize: num('blockSize'), nEmbed: num('nEmbed'),
    nHidden: num('nHidden'), batchSize: num('batchSize'), lr: num('lr'), lrAfter: num('lrAfter'),
  };
}

// ---- the chart ----

function makeChart(): void {
  const el = $('chart');
  chart?.destroy();
  chart = new uPlot({
    width: Math.max(300, el.clientWidth), height: 320,
    scales: { x: { time: false } },
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    axes: [
      { label: 'step', stroke: '#6b7385', grid: { stroke: '#eef0f5' }, values: (_, ticks) => ticks.map((t) => (t >= 1000 ? `${t / 1000}k` : String(t))) },
      { label: 'log10(loss)', stroke: '#6b7385', grid: { stroke: '#eef0f5' }, size: 56 },
    ],
    series: [
      {},
      { label: 'log10 loss', stroke: 'rgba(47,111,236,0.35)', width: 1, points: { show: false } },
      { label: `running mean (${win} steps)`, stroke: '#d62728', width: 2, points: { show: false } },
    ],
  }, [[], [], []], el);
}

function resetCurve(steps: number): void {
  totalSteps = steps;
  raw = new Float32Array(steps);
  mean = new Float32Array(steps);
  count = 0; winSum = 0;
  win = Math.max(10, Math.min(1000, Math.floor(steps / 50)));
  makeChart();
}

function addLosses(lossi: Float32Array): void {
  for (const v of lossi) {
    if (count >= raw.length) break;
    raw[count] = v;
    winSum += v;
    if (count >= win) winSum -= raw[count - win];
    mean[count] = winSum / Math.min(count + 1, win);
    count++;
  }
  if (!drawQueued) {
    drawQueued = true;
    setTimeout(() => requestAnimationFrame(draw), 150);
  }
}

/** At most ~3000 points on screen: every k-th step, which keeps the per-step noise visible. */
function draw(): void {
  drawQueued = false;
  if (!chart) return;
  const k = Math.max(1, Math.ceil(count / 3000));
  const n = Math.ceil(count / k);
  const xs = new Array<number>(n), ys = new Array<number>(n), ms = new Array<number>(n);
  for (let j = 0; j < n; j++) {
    const i = j * k;
    xs[j] = i; ys[j] = raw[i]; ms[j] = mean[i];
  }
  if (n && xs[n - 1] !== count - 1) { xs.push(count - 1); ys.push(raw[count - 1]); ms.push(mean[count - 1]); }
  chart.setData([xs, ys, ms]);
}

window.addEventListener('resize', () => chart?.setSize({ width: Math.max(300, $('chart').clientWidth), height: 320 }));

// ---- samples and results ----

function showSamples(names: string[], note: string): void {
  const ul = $('samples');
  ul.replaceChildren(...names.map((n) => {
    const li = document.createElement('li');
    li.textContent = n.endsWith('.') ? n.slice(0, -1) : n;
    return li;
  }));
  $('samplesNote').textContent = note;
}

function showResults(final: { train: number; val: number; test: number } | null): void {
  const body = $('resultsBody');
  if (!final) { body.textContent = '–'; body.className = 'muted'; delete body.dataset.train; delete body.dataset.val; return; }
  body.className = '';
  body.dataset.train = String(final.train); body.dataset.val = String(final.val); body.dataset.test = String(final.test);
  const table = document.createElement('table');
  for (const [k, v] of Object.entries(final)) {
    const tr = table.insertRow();
    tr.insertCell().textContent = k;
    const td = tr.insertCell();
    td.textContent = v.toFixed(4);
    td.title = String(v);
  }
  body.replaceChildren(table);
}

// ---- the worker ----

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'ready': {
      const { build, simd, relaxedSimd, threads } = m.info;
      const what = build === 'relaxed' ? 'SIMD + relaxed SIMD' : build === 'simd' ? 'SIMD, bit-reproducible' : build === 'scalar' ? 'no SIMD' : 'debug';
      $('build').textContent = `build: ${build}${threads > 1 ? '-threads' : ''} (${what}), ${threads} thread${threads > 1 ? 's' : ''}`;
      $('build').title = `this browser validates SIMD: ${simd}, relaxed SIMD: ${relaxedSimd}; wasm loaded in ${m.ms.toFixed(0)} ms`
        + (threads > 1 ? `; ${threads} threads on shared memory (the worker and ${threads - 1} helper${threads > 2 ? 's' : ''})` : '');
      document.body.dataset.build = build;
      document.body.dataset.threads = String(threads);
      setState('ready');
      break;
    }
    case 'data':
      hasData = true;
      dataText = pending.get(m.id) ?? dataText;
      pending.delete(m.id);
      dataSource = m.source;
      dataLabel = `${m.source}: ${fmt.format(m.names)} names, ${m.vocab.length} characters`;
      $('dataStatus').textContent = state === 'ready' || state === 'loading' ? dataLabel : `${dataLabel} (used after Reset)`;
      $('dataStatus').className = '';
      showError(null);
      setState(state);
      break;
    case 'dataError':
      pending.delete(m.id);
      showError(`${m.source}: ${m.message}`);
      if (hasData) $('dataStatus').textContent = `${dataLabel} (still in use)`;
      break;
    case 'started':
      $('dataStatus').textContent = `${dataLabel}; train ${fmt.format(m.splits.train)}, val ${fmt.format(m.splits.val)}, test ${fmt.format(m.splits.test)} examples; ${fmt.format(m.params)} parameters`;
      break;
    case 'log':
      if (m.step === 0) {
        firstStepMs = performance.now() - startClickedAt;
        document.body.dataset.firstStepMs = String(Math.round(firstStepMs));
        $('status').title = `first step ${firstStepMs.toFixed(0)} ms after Start`;
        $('loss0').textContent = String(m.loss);
        $('loss0').dataset.value = String(m.loss);
      }
      break;
    case 'progress': {
      document.body.dataset.step = String(m.step);
      addLosses(m.lossi);
      rate = rate ? 0.7 * rate + 0.3 * m.stepsPerSec : m.stepsPerSec;
      $('step').innerHTML = `${fmt.format(m.step)} <small>/ ${fmt.format(totalSteps)}</small>`;
      $('rate').textContent = fmt.format(Math.round(rate));
      $('rate').dataset.value = String(Math.round(rate));
      $('loss').textContent = m.loss.toFixed(4);
      $('loss').dataset.value = String(m.loss);
      $('lrNow').textContent = String(m.lr);
      ($('progressBar').firstElementChild as HTMLElement).style.width = `${(100 * m.step) / totalSteps}%`;
      break;
    }
    case 'samples':
      showSamples(m.names, m.step === 0 ? 'The untrained model (step 0): random letters.' : `The model at step ${fmt.format(m.step)}.`);
      break;
    case 'paused':
      setState('paused');
      break;
    case 'finished':
      draw();
      showResults(m.final);
      showSamples(m.samples, `20 names from the trained model (generator seeded with ${readConfig().seed}, as \`wasmgrad train\` samples).`);
      setState('finished');
      $('status').textContent = `done, ${m.seconds.toFixed(1)} s`;
      break;
    case 'error':
      showError(m.message);
      if (state === 'running' || state === 'pausing') setState(count > 0 ? 'paused' : 'ready');
      break;
  }
}

function sendData(text: string, source: string): void {
  const id = nextId++;
  pending.set(id, text);
  send({ type: 'data', id, text, source });
}

function newWorker(): void {
  worker?.terminate();
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'wasmgrad-train' });
  worker.onmessage = (ev: MessageEvent<FromWorker>) => onMessage(ev.data);
  worker.onerror = (ev) => {
    ev.preventDefault();
    showError(`the training worker failed: ${ev.message || 'could not load worker.js'}; press Reset to try again`);
    setState('loading');
  };
  send({ type: 'init', build: $<HTMLSelectElement>('buildSelect').value as Build | 'auto', threads: Number($<HTMLSelectElement>('threadsSelect').value) });
  pending.clear();
  if (dataText !== null) sendData(dataText, dataSource);
}

const stepsForCurve = () => Math.min(MAX_STEPS, Math.max(1, Math.floor(Number($<HTMLInputElement>('steps').value)) || 1));

function reset(): void {
  hasData = false;
  firstStepMs = null;
  delete document.body.dataset.step;
  delete document.body.dataset.firstStepMs;
  delete document.body.dataset.threads;
  rate = 0;
  setState('loading');
  $('build').textContent = 'loading…';
  $('step').textContent = '0'; $('rate').textContent = '–'; $('loss').textContent = '–'; $('loss0').textContent = '–'; $('lrNow').textContent = '–';
  delete $('loss0').dataset.value;
  ($('progressBar').firstElementChild as HTMLElement).style.width = '0';
  showResults(null);
  showSamples([], 'Press Start: the untrained model\'s names appear first, then the model\'s as it learns.');
  resetCurve(stepsForCurve());
  newWorker();
}

function start(): void {
  showError(null);
  if (state === 'ready') {
    const config = readConfig();
    if (!Number.isSafeInteger(config.steps) || config.steps < 1 || config.steps > MAX_STEPS) {
      showError(`steps must be a whole number from 1 to ${MAX_STEPS}, got ${$<HTMLInputElement>('steps').value || 'nothing'}`);
      return;
    }
    resetCurve(config.steps);
    startClickedAt = performance.now();
    firstStepMs = null;
    send({ type: 'start', config });
  } else {
    send({ type: 'start', config: readConfig() });
  }
  setState('running');
}

async function useFile(file: File): Promise<void> {
  if (file.size > 64 << 20) { showError(`${file.name}: ${(file.size / 2 ** 20).toFixed(0)} MB is too big for a names file (at most 64 MB)`); return; }
  let text: string;
  try { text = await file.text(); } catch (e) { showError(`${file.name}: cannot read it (${(e as Error).message})`); return; }
  sendData(text, file.name);
}

// ---- wiring ----

const params = new URLSearchParams(location.search);
for (const id of inputs) if (params.has(id)) $<HTMLInputElement>(id).value = params.get(id)!;
if (params.has('build')) $<HTMLSelectElement>('buildSelect').value = params.get('build')!;
// Threads share one wasm memory: a SharedArrayBuffer, which browsers give only to
// cross-origin-isolated pages (served with COOP and COEP headers).
if (!crossOriginIsolated) {
  const select = $<HTMLSelectElement>('threadsSelect');
  select.value = '1';
  select.options[1].disabled = true;
  select.disabled = true;
  $('threadsNote').innerHTML = '2 threads need shared memory, which browsers give only to a cross-origin-isolated page: serve it with <code>npm run web -- --isolated</code>.';
} else if (params.get('threads') === '2') {
  $<HTMLSelectElement>('threadsSelect').value = '2';
}

$('start').addEventListener('click', start);
$('pause').addEventListener('click', () => { send({ type: 'pause' }); setState('pausing'); });
$('reset').addEventListener('click', reset);
$('buildSelect').addEventListener('change', () => { if (state !== 'running') reset(); });
$('threadsSelect').addEventListener('change', () => { if (state !== 'running') reset(); });
$('steps').addEventListener('change', () => { if (count === 0) resetCurve(stepsForCurve()); });
$<HTMLInputElement>('file').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  const f = input.files?.[0];
  if (f) void useFile(f);
  input.value = '';
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files[0];
  if (f) void useFile(f);
});
// Dropping a file anywhere else must not navigate away from a running training.
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => e.preventDefault());

reset();
fetch('names.txt').then(async (res) => {
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const text = await res.text();
  if (pending.size === 0 && dataText === null) sendData(text, 'names.txt');
}).catch(() => {
  if (!hasData) $('dataStatus').textContent = 'No names.txt next to this page: drop a names file above, or choose one.';
});
