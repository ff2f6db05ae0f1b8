// Runs of the compiled-program tests' models (tests/helpers/models.ts) on the helper threads, for
// the Node child process (tests/compile/threads_run.ts), Deno (tools/test-deno.js) and a browser
// worker (tests/browser/compile_worker.ts): init() must have run (with the build and threads to test).
import { initInfo, randint, tensor, compile, startThreads, stopThreads } from '../../src/index.ts';
import { threadsStatus } from '../../src/compile/threaded.ts';
import { MODELS } from './models.ts';

const hex = (a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) =>
  Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');

/** Trains `steps` steps of a fresh model, eagerly or compiled; losses and final tensors. */
function train(name: string, steps: number, compiled: boolean) {
  const m = MODELS[name]();
  const c = compiled ? compile(m.step, { threads: 'always' }) : null;
  const step = c ?? m.step;
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push(step(randint(0, m.n, [32], { generator: m.g })).item());
  const info = c?.info();
  return { losses, tensors: m.tensors().map((t) => hex(t.toArray() as Float32Array)), calls: info?.calls, captures: info?.captures, threadedCalls: info?.threadedCalls, plan: info?.programs[0].threads };
}

/** A helper that fails, then (with working helpers) a bad index in a threaded call. */
export async function failures() {
  const out: Record<string, unknown> = {};
  await startThreads({ failForTest: true }).then(() => { out.started = 'no error'; }, (e) => { out.started = (e as Error).message; });
  const m = MODELS.notebook();
  const step = compile(m.step, { threads: 'always' });
  step(randint(0, m.n, [32], { generator: m.g })); // the capture (eager); the next call runs on the helpers
  try { step(randint(0, m.n, [32], { generator: m.g })); out.helper = 'no error'; } catch (e) { out.helper = (e as Error).message; }
  out.afterHelper = threadsStatus().threads;
  await stopThreads();
  // a row index out of range (X.index(ix) checks it): the same message as on one thread, the
  // parameters untouched, and the next call works
  await startThreads();
  const bad = MODELS.notebook();
  const f = compile(bad.step, { threads: 'always' });
  f(randint(0, bad.n, [32], { generator: bad.g }));
  f(randint(0, bad.n, [32], { generator: bad.g }));
  const before = bad.tensors().map((t) => hex(t.toArray() as Float32Array));
  const ix = tensor(Array.from(randint(0, bad.n, [32], { generator: bad.g }).toArray(), (v, i) => (i === 20 ? bad.n + 5 : v)), { dtype: 'int32' });
  try { f(ix); out.badIndex = 'no error'; } catch (e) { out.badIndex = (e as Error).message; }
  out.unchanged = JSON.stringify(bad.tensors().map((t) => hex(t.toArray() as Float32Array))) === JSON.stringify(before);
  out.after = Number.isFinite(f(randint(0, bad.n, [32], { generator: bad.g })).item());
  out.threadedCalls = f.info().threadedCalls;
  await stopThreads();
  return out;
}

/**
 * Trains each model eagerly and compiled (every call on the helper threads, started here when
 * init() gave threads): per model, every step's loss, the final parameters and buffers as hex,
 * the calls that ran threaded and the helpers' runs.
 */
export async function runModels(steps: number): Promise<Record<string, unknown>> {
  if (initInfo()!.threads > 1) await startThreads();
  const runs: Record<string, unknown> = {};
  for (const name of Object.keys(MODELS)) {
    const before = threadsStatus().helperRuns;
    runs[name] = { eager: train(name, steps, false), compiled: train(name, steps, true), helperRuns: threadsStatus().helperRuns - before };
  }
  const threads = threadsStatus().threads;
  await stopThreads();
  return { models: runs, threads, info: initInfo() };
}
