// The page: a run's state machine and the controls that follow it, the data, the live numbers,
// the loss chart (chart.ts), names from the model, the diagnostics panel (diagview.ts), and
// saving and loading models. All training happens in worker.ts; this thread only draws. A worker
// holds at most one run: New run throws it away (and its wasm memory) and starts a fresh one
// with the chosen build and thread count (2 threads only on a cross-origin-isolated page).
import 'uplot/dist/uPlot.min.css';
import type { Build } from '../src/index.ts';
import { MAX_STEPS, type Busy, type FromWorker, type RunInfo, type SampleRequest, type Settings, type ToWorker } from './protocol.ts';
import { LossChart } from './chart.ts';
import { DiagnosticsView } from './diagview.ts';
import { MODELS, modelById, type Field, type ModelSpec } from './models.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const fmt = new Intl.NumberFormat('en-US');

// ---- the run's states ----

/**
 * loading: the worker is starting (wasm). unavailable: the chosen build cannot start here.
 * idle: no run; settings are open. preparing -> training <-> (pausing ->) paused -> evaluating
 * -> finished; training -> diverged | failed. Settings, build and threads are locked from
 * preparing on, until New run.
 */
type State = 'loading' | 'unavailable' | 'idle' | 'preparing' | 'training' | 'pausing' | 'paused' | 'evaluating' | 'finished' | 'diverged' | 'failed';
const NEXT: Record<State, State[]> = {
  loading: ['idle', 'unavailable', 'failed'],
  unavailable: ['loading'],
  idle: ['loading', 'preparing', 'paused', 'finished', 'failed'],
  preparing: ['training', 'idle', 'paused', 'finished', 'failed', 'loading'],
  training: ['pausing', 'paused', 'evaluating', 'diverged', 'failed', 'loading'],
  pausing: ['paused', 'evaluating', 'diverged', 'failed', 'loading'],
  paused: ['training', 'failed', 'loading'],
  evaluating: ['finished', 'failed', 'loading'],
  finished: ['loading', 'failed'],
  diverged: ['loading'],
  failed: ['loading'],
};
const LABEL: Record<State, string> = {
  loading: 'starting…', unavailable: 'cannot start', idle: 'ready', preparing: 'preparing…', training: 'training', pausing: 'pausing…',
  paused: 'paused', evaluating: 'final losses…', finished: 'finished', diverged: 'diverged', failed: 'stopped by an error',
};
let state: State = 'loading';
let afterReady: (() => void) | null = null;
/** The run in the worker (started or loaded), from its 'run' message on. */
let run: RunInfo | null = null;
let savedAt = -1;
let step = 0;
let hasData = false;

const ACTIVE: State[] = ['preparing', 'training', 'pausing', 'evaluating'];

function setState(s: State): void {
  if (s === state) return render();
  if (!NEXT[state].includes(s)) throw new Error(`page state ${state} cannot go to ${s}`);
  // The run's clock runs in the active states only.
  const now = performance.now();
  if (ACTIVE.includes(state) && !ACTIVE.includes(s)) activeMs += now - activeFrom;
  if (!ACTIVE.includes(state) && ACTIVE.includes(s)) activeFrom = now;
  state = s;
  render();
}

/** Every control's enabled state and text from the state: the one place that decides them. */
function render(): void {
  const b = document.body;
  b.dataset.state = state;
  if (run || !['loading', 'idle', 'unavailable'].includes(state)) b.dataset.run = ''; else delete b.dataset.run;
  $('status').textContent = busyNow?.label || (state === 'finished' && activeMs > 0 ? `finished in ${clock(activeMs)}` : LABEL[state]);
  const open = state === 'idle' || state === 'unavailable' || (state === 'loading' && !run);
  const canTrain = !!run?.canTrain;
  const start = $<HTMLButtonElement>('start');
  start.textContent = state === 'paused' ? 'Resume' : 'Start';
  start.disabled = !((state === 'idle' && hasData) || (state === 'paused' && canTrain));
  $<HTMLButtonElement>('pause').disabled = state !== 'training';
  $<HTMLButtonElement>('newRun').disabled = open || state === 'loading';
  const savable = !(run?.splits && ['training', 'paused', 'finished'].includes(state));
  $<HTMLButtonElement>('save').disabled = savable;
  $<HTMLButtonElement>('saveWeights').disabled = savable;
  $('saveWeights').hidden = !(run ? run.weights : model.kind === 'zoo');
  $<HTMLButtonElement>('saveTorch').disabled = savable;
  $('saveTorch').hidden = $('saveWeights').hidden;
  $<HTMLButtonElement>('sampleBtn').disabled = !(run && ['training', 'pausing', 'paused', 'finished'].includes(state));
  for (const el of document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('#modelSelect, #modelFields input, #trainingFields input')) el.disabled = !(state === 'idle' || state === 'loading' || state === 'unavailable') || !!run;
  $<HTMLSelectElement>('buildSelect').disabled = !open || state === 'loading';
  $<HTMLSelectElement>('threadsSelect').disabled = !open || state === 'loading' || !crossOriginIsolated;
  const loadable = state === 'idle';
  $<HTMLInputElement>('loadFile').disabled = !loadable;
  $('loadBtn').classList.toggle('disabled', !loadable);
  $('settingsNote').textContent = run || !open
    ? 'Locked while a run exists: New run unlocks them.'
    : model.note;
  // After a New run, a follow-up (a divergence fix's Start) waits for the fresh worker and its data.
  if (afterReady && state === 'idle' && hasData) { const f = afterReady; afterReady = null; queueMicrotask(f); }
}

// ---- messages (errors and what to do) ----

type About = 'address' | 'boot' | 'data' | 'settings' | 'run' | 'model' | 'sample';
const messages = new Map<About, { text: string; actions: [string, () => void][] }>();

function say(about: About, text: string | null, actions: [string, () => void][] = []): void {
  if (text === null) messages.delete(about); else messages.set(about, { text, actions });
  const box = $('messages');
  box.replaceChildren(...[...messages].map(([k, m]) => {
    const div = document.createElement('div');
    div.className = 'msg';
    div.dataset.about = k;
    div.setAttribute('role', 'alert');
    div.textContent = m.text;
    if (m.actions.length) {
      const row = document.createElement('div');
      row.className = 'actions';
      for (const [label, fn] of m.actions) {
        const btn = document.createElement('button');
        btn.textContent = label;
        btn.addEventListener('click', fn);
        row.append(btn);
      }
      div.append(row);
    }
    return div;
  }));
  // A new message is brought into view, just under the run bar (which sticks to the top).
  const el = text === null ? null : box.querySelector<HTMLElement>(`[data-about=${about}]`);
  if (el) {
    const below = $('runbar').offsetHeight + 8, r = el.getBoundingClientRect();
    if (r.top < below || r.bottom > window.innerHeight) window.scrollBy(0, r.top - below);
  }
}

// ---- settings ----

let model: ModelSpec = MODELS[0];
let FIELDS: Field[] = [...model.fields, ...model.training];

/** Draws the chosen model's fields, with its defaults. */
function renderSettings(): void {
  FIELDS = [...model.fields, ...model.training];
  $<HTMLSelectElement>('modelSelect').value = model.id;
  $('modelName').textContent = `(${model.label})`;
  const put = (fs: string, fields: Field[]) => {
    $(fs).hidden = fields.length === 0;
    $(fs).querySelector('.grid2')!.replaceChildren(...fields.map((f) => {
      const label = document.createElement('label');
      label.title = f.help;
      const input = document.createElement('input');
      input.type = 'number';
      input.id = f.key;
      input.value = String(f.value);
      if (f.min !== undefined) input.min = String(f.min);
      if (f.max !== undefined) input.max = String(f.max);
      input.step = f.step ?? '1';
      label.append(f.label, input);
      return label;
    }));
  };
  put('modelFields', model.fields);
  put('trainingFields', model.training);
  $('settingsNote').textContent = model.note;
  $('valKey').textContent = `${model.heldOut} loss`;
  $('resNote').textContent = model.kind === 'zoo' ? '(makemore.py\'s evaluation, when training ends)' : '(on the whole splits, when training ends)';
}

function chooseModel(id: string): void {
  const spec = modelById(id);
  if (!spec || spec === model) return;
  model = spec;
  renderSettings();
  if (!run) chart.reset(stepsForChart(), 0, model.heldOut);
  render();
}

function readSettings(): Settings {
  const c: Settings = {};
  for (const f of FIELDS) {
    const v = $<HTMLInputElement>(f.key).value.trim();
    c[f.key] = v === '' ? NaN : Number(v);
  }
  return c;
}

function showSettings(c: Settings): void {
  for (const f of FIELDS) {
    const v = c[f.key];
    if (v !== undefined) $<HTMLInputElement>(f.key).value = String(v);
  }
}

function sampleRequest(): SampleRequest {
  return { count: Number($<HTMLInputElement>('sampleCount').value), seed: Number($<HTMLInputElement>('sampleSeed').value), temperature: Number($<HTMLInputElement>('temperature').value) };
}

// ---- progress, time and live numbers ----

let busyNow: Busy | null = null;
let busySince = 0;
/** Wall time of the run while active (not paused), and recent [time, step] points for the ETA. */
let activeMs = 0, activeFrom = 0;
let recent: [number, number][] = [];
let rate = 0;

const active = () => ACTIVE.includes(state);
function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

function setBar(fraction: number | null): void {
  const bar = $('progressBar');
  bar.classList.toggle('unknown', fraction === null);
  (bar.firstElementChild as HTMLElement).style.width = `${100 * (fraction ?? 0)}%`;
  if (fraction === null) bar.removeAttribute('aria-valuenow'); else bar.setAttribute('aria-valuenow', String(Math.round(100 * fraction)));
}

function tick(): void {
  const now = performance.now();
  if (busyNow) {
    setBar(busyNow.fraction);
    $('timeInfo').textContent = `${clock(now - busySince)}${busyNow.fraction !== null ? ` · ${Math.round(100 * busyNow.fraction)}%` : ''}`;
    $('status').textContent = busyNow.label;
    return;
  }
  if (!run) { $('timeInfo').textContent = ''; $('stepInfo').textContent = ''; setBar(0); return; }
  const total = run.steps;
  setBar(step / total);
  $('stepInfo').textContent = `step ${fmt.format(step)} / ${fmt.format(total)}`;
  const elapsed = activeMs + (active() ? now - activeFrom : 0);
  let eta = '';
  if (state === 'training' && recent.length > 1) {
    const [t0, s0] = recent[0], [t1, s1] = recent[recent.length - 1];
    if (s1 > s0 && t1 > t0) eta = ` · about ${clock(((total - step) * (t1 - t0)) / (s1 - s0))} left`;
  }
  $('timeInfo').textContent = elapsed > 0 ? `${clock(elapsed)} elapsed${eta}` : '';
}
setInterval(tick, 500);

function onBusy(b: Busy | null): void {
  if (b && (!busyNow || busyNow.what !== b.what)) busySince = performance.now();
  busyNow = b;
  if (b?.what === 'evaluate' && (state === 'training' || state === 'pausing')) setState('evaluating');
  render();
  tick();
}

function resetLive(): void {
  step = 0; rate = 0; activeMs = 0; recent = []; savedAt = -1;
  for (const id of ['loss', 'valLoss', 'rate', 'lrNow', 'loss0']) { $(id).textContent = '–'; delete $(id).dataset.value; }
  delete document.body.dataset.step;
  delete document.body.dataset.firstStepMs;
  showResults(null);
  showSamples([], 'Press Start: the untrained model\'s names appear first, then the model\'s as it learns.');
  chart.reset(stepsForChart());
  diag.reset(1, []);
  tick();
}

const stepsForChart = () => Math.min(MAX_STEPS, Math.max(1, Math.floor(Number($<HTMLInputElement>('steps').value)) || 1));

// ---- samples and results ----

function showSamples(names: string[], note: string): void {
  $('samples').replaceChildren(...names.map((n) => {
    const li = document.createElement('li');
    const name = n.endsWith('.') ? n.slice(0, -1) : n;
    li.textContent = name || '(empty)';
    if (!name) { li.className = 'empty'; li.title = 'the model ended the name at once'; }
    return li;
  }));
  $('samplesNote').textContent = note;
}

function showResults(final: Record<string, number> | null): void {
  const body = $('resultsBody');
  if (!final) { body.textContent = '–'; body.className = 'muted'; for (const k of ['train', 'val', 'test']) delete body.dataset[k]; return; }
  body.className = '';
  const table = document.createElement('table');
  for (const [k, v] of Object.entries(final)) {
    body.dataset[k] = String(v);
    const tr = table.insertRow();
    tr.insertCell().textContent = k;
    const td = tr.insertCell();
    td.textContent = v.toFixed(4);
    td.title = String(v);
  }
  body.replaceChildren(table);
}

// ---- the worker ----

let worker: Worker | null = null;
let dataBlob: Blob | null = null;
let dataSource = '';
let dataLabel = '';
let nextId = 1;
const pending = new Map<number, Blob>();
let startClickedAt = 0;
const chart = new LossChart($('chart'), $('chartEmpty'));
const diag = new DiagnosticsView($('diag'));

function send(m: ToWorker, transfer: Transferable[] = []): void { worker?.postMessage(m, transfer); }

/**
 * Runs `f` in a task of its own after this one (a message channel: not throttled in a background
 * tab, as timers are), so that whatever this task and its microtasks send goes first.
 */
const later = (() => {
  const channel = new MessageChannel();
  const queue: (() => void)[] = [];
  channel.port1.onmessage = () => queue.shift()?.();
  return (f: () => void) => { queue.push(f); channel.port2.postMessage(null); };
})();

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'ready': {
      const { build, simd, relaxedSimd, threads } = m.info;
      const what = build === 'relaxed' ? 'SIMD + relaxed SIMD' : build === 'simd' ? 'SIMD, bit-reproducible' : build === 'scalar' ? 'no SIMD' : 'debug';
      $('build').textContent = `build: ${build}${threads > 1 ? '-threads' : ''} (${what}), ${threads} thread${threads > 1 ? 's' : ''}`;
      $('build').title = `this browser validates SIMD: ${simd}, relaxed SIMD: ${relaxedSimd}; wasm loaded in ${m.ms.toFixed(0)} ms`;
      document.body.dataset.build = build;
      document.body.dataset.threads = String(threads);
      say('boot', null);
      setState('idle');
      break;
    }
    case 'initError':
      $('build').textContent = 'no build running';
      say('boot', `${m.message} Choose another wasm build under Settings.`);
      setState('unavailable');
      break;
    case 'busy':
      if (m.busy.what === 'check') $('dataStatus').textContent = `checking ${dataSourceOf(m.busy.label)}…`;
      onBusy(m.busy);
      break;
    case 'data': {
      const blob = pending.get(m.id);
      pending.delete(m.id);
      if (blob) { dataBlob = blob; dataSource = m.source; }
      hasData = true;
      dataLabel = `${m.source}: ${fmt.format(m.names)} names, ${m.vocab.length} characters`;
      $('dataStatus').textContent = run ? `${dataLabel} (used by the next run)` : dataLabel;
      say('data', null);
      if (busyNow?.what === 'check') onBusy(null);
      render();
      break;
    }
    case 'dataError':
      pending.delete(m.id);
      say('data', `${m.source}: ${m.message}`);
      $('dataStatus').textContent = hasData ? `${dataLabel} (still in use)` : 'No names yet: drop a names file above, choose one, or paste names.';
      if (busyNow?.what === 'check') onBusy(null);
      break;
    case 'run': {
      run = m.run;
      step = m.run.step;
      document.body.dataset.step = String(step);
      const r = m.run;
      chooseModel(r.model);
      showSettings(r.settings);
      chart.reset(r.steps, r.step, model.heldOut);
      diag.reset(r.steps, r.diagNames, r.activations);
      const splits = r.splits ? `; ${Object.entries(r.splits).map(([k, n]) => `${k} ${fmt.format(n)}`).join(', ')} ${model.kind === 'zoo' ? 'words' : 'examples'}` : '';
      const threads = model.kind === 'zoo' && Number(document.body.dataset.threads) > 1 ? ' makemore.py\'s models train on 1 thread here.' : '';
      $('modelStatus').textContent = `${model.label}: ${fmt.format(r.params)} parameters, ${r.vocabSize} ${model.kind === 'zoo' ? 'tokens' : 'characters'}${splits}${r.heldOutNote ? `; ${r.heldOutNote}` : ''}.${threads} ${r.why}`;
      document.body.dataset.canTrain = String(r.canTrain);
      render();
      break;
    }
    case 'log':
      if (m.step === 0) {
        document.body.dataset.firstStepMs = String(Math.round(performance.now() - startClickedAt));
        $('loss0').textContent = m.loss.toFixed(4);
        $('loss0').title = `all digits: ${m.loss}`;
        $('loss0').dataset.value = String(m.loss);
      }
      if (state === 'preparing') { onBusy(null); setState('training'); }
      break;
    case 'progress': {
      // Acknowledged after the page (and a Pause pressed on seeing it) has acted on it: the
      // worker trains at most one progress message ahead of what the page shows.
      const sentTo = worker;
      later(() => { if (worker === sentTo) send({ type: 'seen', step: m.step }); });
      if (state === 'preparing') { onBusy(null); setState('training'); }
      chart.add(m.step - m.lossi.length, m.lossi);
      step = m.step;
      document.body.dataset.step = String(m.step);
      const now = performance.now();
      recent.push([now, m.step]);
      while (recent.length > 2 && now - recent[0][0] > 15000) recent.shift();
      rate = rate ? 0.7 * rate + 0.3 * m.stepsPerSec : m.stepsPerSec;
      $('rate').textContent = fmt.format(Math.round(rate));
      $('rate').dataset.value = String(Math.round(rate));
      $('loss').textContent = m.loss.toFixed(4);
      $('loss').dataset.value = String(m.loss);
      $('lrNow').textContent = String(m.lr);
      tick();
      break;
    }
    case 'val':
      chart.addVal(m.step, m.loss);
      $('valLoss').textContent = m.loss.toFixed(4);
      $('valLoss').dataset.value = String(m.loss);
      $('valLoss').title = `after ${fmt.format(m.step)} steps`;
      break;
    case 'diag':
      diag.update(m.snap);
      break;
    case 'samples': {
      const q = m.request;
      const how = `seed ${q.seed}, temperature ${q.temperature}`;
      showSamples(m.names, m.step === 0 && state !== 'finished' ? `The untrained model (step 0): random letters (${how}).` : `${m.names.length} names from the model at step ${fmt.format(m.step)} (${how}).`);
      say('sample', null);
      break;
    }
    case 'paused':
      step = m.step;
      chart.draw();
      onBusy(null);
      setState('paused');
      tick();
      break;
    case 'finished':
      step = m.step;
      onBusy(null);
      chart.draw();
      showResults(m.final);
      setState('finished');
      tick();
      break;
    case 'diverged': {
      chart.draw();
      setState('diverged');
      say('run', `${m.message}`, [
        [m.fixLabel, () => { say('run', null); newRun(() => { showSettings(m.fix); start(); }); }],
        ['New run with other settings', () => { say('run', null); newRun(); }],
      ]);
      break;
    }
    case 'saved': {
      savedAt = m.step;
      const url = URL.createObjectURL(new Blob([m.bytes], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url; a.download = m.name;
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      $('modelStatus').dataset.saved = m.name;
      afterSave?.(); afterSave = null;
      break;
    }
    case 'problem':
      say(m.about, m.message);
      onBusy(null);
      if (state === 'preparing') setState('idle');
      break;
    case 'failed':
      onBusy(null);
      say('run', `${m.message} New run starts over.`, [['New run', () => { say('run', null); newRun(); }]]);
      if (state !== 'failed') setState('failed');
      break;
  }
}
const dataSourceOf = (label: string) => label.replace(/^checking /, '');

function newWorker(): void {
  worker?.terminate();
  run = null;
  hasData = false;
  document.body.dataset.threads = '';
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'wasmgrad-train' });
  worker.onmessage = (ev: MessageEvent<FromWorker>) => onMessage(ev.data);
  worker.onerror = (ev) => {
    ev.preventDefault();
    say('boot', `The training worker could not run (${ev.message || 'worker.js did not load'}). Reload the page to try again.`);
    if (state !== 'failed' && NEXT[state].includes('failed')) setState('failed');
  };
  send({ type: 'init', build: $<HTMLSelectElement>('buildSelect').value as Build | 'auto', threads: Number($<HTMLSelectElement>('threadsSelect').value) });
  pending.clear();
  if (dataBlob) sendData(dataBlob, dataSource);
}

function sendData(blob: Blob, source: string): void {
  const id = nextId++;
  pending.set(id, blob);
  send({ type: 'data', id, blob, source });
}

/** Back to no run (a fresh worker), asking first if the run has unsaved progress; then `after`. */
let afterSave: (() => void) | null = null;
/** A run with steps taken since it started or was last saved. */
const unsaved = () => !!run?.splits && step > run.step && step !== savedAt && ['training', 'pausing', 'paused', 'evaluating', 'finished'].includes(state);

function newRun(after?: () => void): void {
  if (unsaved()) {
    $('discardText').textContent = `The run is at step ${fmt.format(step)} of ${fmt.format(run!.steps)} and has not been saved since. A new run throws it away.`;
    const dlg = $<HTMLDialogElement>('discard');
    pendingAfter = after ?? null;
    dlg.showModal();
    return;
  }
  reallyNewRun(after);
}
let pendingAfter: (() => void) | null = null;

function reallyNewRun(after?: () => void): void {
  onBusy(null);
  for (const k of ['run', 'settings', 'model', 'sample'] as const) say(k, null);
  setState('loading');
  newWorkerAndReset();
  afterReady = after ?? null;
}

function newWorkerAndReset(): void {
  newWorker();
  $('build').textContent = 'loading…';
  $('modelStatus').textContent = '';
  delete $('modelStatus').dataset.saved;
  resetLive();
  render();
}

function start(): void {
  if (state === 'paused') {
    recent = [];
    setState('training');
    send({ type: 'resume', sample: sampleRequest() });
    return;
  }
  if (state !== 'idle') return;
  say('settings', null);
  const settings = readSettings();
  if (!Number.isSafeInteger(settings.steps) || settings.steps < 1 || settings.steps > MAX_STEPS) {
    say('settings', `steps must be a whole number from 1 to ${fmt.format(MAX_STEPS)}, got ${$<HTMLInputElement>('steps').value || 'nothing'}`);
    return;
  }
  resetLive();
  chart.reset(settings.steps, 0, model.heldOut);
  startClickedAt = performance.now();
  setState('preparing');
  onBusy({ what: 'prepare', label: 'preparing the run', fraction: null });
  send({ type: 'start', model: model.id, settings, sample: sampleRequest() });
  // On narrow screens the live numbers and chart come first once a run exists: bring them in view.
  requestAnimationFrame(() => {
    const below = $('runbar').offsetHeight + 8; // the run bar sticks to the top once scrolled
    const top = $('live').getBoundingClientRect().top;
    if (Math.abs(top - below) > 4) window.scrollBy(0, top - below);
  });
}

async function useFile(file: File): Promise<void> {
  if (file.size > 512 << 20) { say('data', `${file.name}: ${(file.size / 2 ** 20).toFixed(0)} MB is too big for a names file here (at most 512 MB)`); return; }
  sendData(file, file.name);
}

async function loadModel(file: File): Promise<void> {
  if (state !== 'idle') return;
  say('model', null);
  if (file.size > 1 << 30) { say('model', `${file.name}: ${(file.size / 2 ** 20).toFixed(0)} MB is too big to be one of these models`); return; }
  let bytes: ArrayBuffer;
  try { bytes = await file.arrayBuffer(); } catch (e) { say('model', `${file.name}: cannot read it (${(e as Error).message})`); return; }
  setState('preparing');
  onBusy({ what: 'load', label: `reading ${file.name}`, fraction: null });
  send({ type: 'load', bytes, name: file.name, sample: sampleRequest(), model: model.id, settings: readSettings() }, [bytes]);
}

// ---- wiring ----

const params = new URLSearchParams(location.search);
$('modelSelect').replaceChildren(...MODELS.map((m) => Object.assign(document.createElement('option'), { value: m.id, textContent: m.label })));
if (params.has('model')) {
  const want = modelById(params.get('model')!);
  if (want) model = want;
  else say('address', `The address asks for a model named '${params.get('model')}', which this page does not have (it has ${MODELS.map((m) => m.id).join(', ')}). Showing ${model.label}.`);
}
renderSettings();
for (const f of FIELDS) if (params.has(f.key)) $<HTMLInputElement>(f.key).value = params.get(f.key)!;
if (params.has('build')) {
  const want = params.get('build')!;
  const select = $<HTMLSelectElement>('buildSelect');
  const offered = [...select.options].map((o) => o.value);
  if (offered.includes(want)) select.value = want;
  else say('address', `The address asks for a wasm build named '${want}', which this page does not have (it has ${offered.filter((o) => o !== 'auto').join(', ')}). Using the best this browser supports.`);
}
// Threads share one wasm memory: a SharedArrayBuffer, which browsers give only to
// cross-origin-isolated pages (served with COOP and COEP headers).
if (!crossOriginIsolated) {
  const select = $<HTMLSelectElement>('threadsSelect');
  select.value = '1';
  select.options[1].disabled = true;
  $('threadsNote').innerHTML = '2 threads need shared memory, which browsers give only to a cross-origin-isolated page: serve it with <code>npm run web -- --isolated</code>.';
} else if (params.get('threads') === '2') {
  $<HTMLSelectElement>('threadsSelect').value = '2';
}

$('start').addEventListener('click', start);
$('pause').addEventListener('click', () => { send({ type: 'pause' }); setState('pausing'); });
$('newRun').addEventListener('click', () => newRun());
$('save').addEventListener('click', () => send({ type: 'save', what: 'run' }));
$('saveWeights').addEventListener('click', () => send({ type: 'save', what: 'weights' }));
$('saveTorch').addEventListener('click', () => send({ type: 'save', what: 'torch' }));
$('modelSelect').addEventListener('change', () => { if (!run && (state === 'idle' || state === 'loading' || state === 'unavailable')) chooseModel($<HTMLSelectElement>('modelSelect').value); });
$('sampleBtn').addEventListener('click', () => send({ type: 'sample', sample: sampleRequest() }));
$('discardYes').addEventListener('click', () => { $<HTMLDialogElement>('discard').close(); reallyNewRun(pendingAfter ?? undefined); });
$('discardNo').addEventListener('click', () => $<HTMLDialogElement>('discard').close());
$('discardSave').addEventListener('click', () => {
  $<HTMLDialogElement>('discard').close();
  const after = pendingAfter;
  afterSave = () => reallyNewRun(after ?? undefined);
  send({ type: 'save', what: 'run' });
});
for (const id of ['buildSelect', 'threadsSelect']) {
  $(id).addEventListener('change', () => { if (state === 'idle' || state === 'unavailable') { setState('loading'); say('boot', null); newWorkerAndReset(); } });
}
$('steps').addEventListener('change', () => { if (!run) chart.reset(stepsForChart()); });
$<HTMLInputElement>('file').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  const f = input.files?.[0];
  if (f) void useFile(f);
  input.value = '';
});
$<HTMLInputElement>('loadFile').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  const f = input.files?.[0];
  if (f) void loadModel(f);
  input.value = '';
});
$('usePaste').addEventListener('click', () => {
  const text = $<HTMLTextAreaElement>('paste').value;
  sendData(new Blob([text], { type: 'text/plain' }), 'pasted names');
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
// Leaving with unsaved progress asks first.
window.addEventListener('beforeunload', (e) => { if (unsaved()) e.preventDefault(); });

newWorkerAndReset();
fetch('names.txt').then(async (res) => {
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const blob = await res.blob();
  if (pending.size === 0 && dataBlob === null) sendData(blob, 'names.txt');
}).catch(() => {
  if (!hasData) $('dataStatus').textContent = 'No names.txt next to this page: drop a names file above, choose one, or paste names.';
});
