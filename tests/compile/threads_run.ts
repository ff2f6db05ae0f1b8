// Child process of threads.test.ts (and of tools/test-deno.js under Deno, and the browser check's
// worker): init() picks the build and thread count once per process (WASMGRAD_BUILD,
// WASMGRAD_THREADS), so each setting runs here. Trains each model from a fresh seed eagerly and
// compiled (with the helper threads running and every call on them, when init gave threads) and
// prints one JSON line: every step's loss and the final parameters and buffers, as hex of their
// bytes, per model and run, with what the threaded runs did.
// argv: steps, then 'models' (the three models) or 'failure' (a failing helper, then a bad index).
import { init, initInfo, randint, tensor, compile, startThreads, stopThreads, type Tensor } from '../../src/index.ts';
import { MODELS } from '../helpers/models.ts';
import { threadsStatus } from '../../src/compile/threaded.ts';

const hex = (a: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) =>
  Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');

/** Trains `steps` steps of a fresh model, eagerly or compiled; losses and final tensors. */
function train(name: string, steps: number, compiled: boolean) {
  const m = MODELS[name]();
  const c = compiled ? compile(m.step, { threads: 'always' }) : null;
  const step = c ?? m.step;
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push(step(randint(0, m.n, [32], { generator: m.g })).item());
  return { losses, tensors: m.tensors().map((t) => hex(t.toArray() as Float32Array)), calls: c?.calls, threadedCalls: c?.threadedCalls };
}

/** A helper that fails, then (with working helpers) a bad index in a threaded call. */
async function failures() {
  const out: Record<string, unknown> = {};
  await startThreads({ failForTest: true }).then(() => { out.started = 'no error'; }, (e) => { out.started = (e as Error).message; });
  const m = MODELS.notebook();
  const step = compile(m.step, { threads: 'always' });
  step(randint(0, m.n, [32], { generator: m.g }));
  try { step(randint(0, m.n, [32], { generator: m.g })); out.helper = 'no error'; } catch (e) { out.helper = (e as Error).message; }
  out.afterHelper = threadsStatus().threads;
  await stopThreads();
  // a row index out of range (X.index(ix) checks it): the same message as on one thread, the
  // parameters untouched, and the next call works
  await startThreads();
  const bad = MODELS.notebook();
  const f = compile(bad.step, { threads: 'always' });
  f(randint(0, bad.n, [32], { generator: bad.g }));
  const before = bad.tensors().map((t) => hex(t.toArray() as Float32Array));
  const ix = tensor(Array.from(randint(0, bad.n, [32], { generator: bad.g }).toArray(), (v, i) => (i === 20 ? bad.n + 5 : v)), { dtype: 'int32' });
  try { f(ix); out.badIndex = 'no error'; } catch (e) { out.badIndex = (e as Error).message; }
  out.unchanged = JSON.stringify(bad.tensors().map((t) => hex(t.toArray() as Float32Array))) === JSON.stringify(before);
  out.after = Number.isFinite(f(randint(0, bad.n, [32], { generator: bad.g })).item());
  out.threadedCalls = f.threadedCalls;
  await stopThreads();
  return out;
}

const args: string[] = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const steps = Number(args[0]), what = args[1] ?? 'models';
const info = await init();
const out: Record<string, unknown> = { info };
if (what === 'failure') {
  Object.assign(out, await failures());
} else {
  if (info.threads > 1) await startThreads();
  const runs: Record<string, unknown> = {};
  for (const name of Object.keys(MODELS)) {
    const before = threadsStatus().helperRuns;
    runs[name] = { eager: train(name, steps, false), compiled: train(name, steps, true), helperRuns: threadsStatus().helperRuns - before };
  }
  out.models = runs;
  out.threads = threadsStatus().threads;
  await stopThreads();
}
console.log(JSON.stringify({ ...out, info: initInfo() }));
