// Compiled programs on helper threads (init({ threads: n }), startThreads()): for the test models
// (tests/helpers/models.ts: the notebook's model, a deeper batch-norm net, a ReLU/softmax
// classifier, a functional net, an activations net and a causal self-attention block with AdamW), compiled steps on 2 and 3 threads give the
// eager losses and parameters bit for bit, and the same as one thread on the plain build, on the
// simd, relaxed and scalar builds; the threaded calls really ran on the helpers; a failing helper
// and a bad index are one clear error each. Each setting runs in a child process
// (threads_run.ts), as init() picks the build once per process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';

const RUN = new URL('./threads_run.ts', import.meta.url).pathname;
const TSX = import.meta.resolve('tsx');
const STEPS = 12;

type Run = { losses: number[]; tensors: string[]; calls?: number; captures?: number; threadedCalls?: number };
type Result = { info: { build: string; threads: number; sharedMemory: boolean }; threads: number; models: Record<string, { eager: Run; compiled: Run; helperRuns: number }> } & Record<string, unknown>;

function run(build: string, threads: number, what = 'models'): Result {
  const env: Record<string, string | undefined> = { ...process.env, WASMGRAD_BUILD: build, WASMGRAD_THREADS: threads > 1 ? String(threads) : undefined };
  if (threads === 1) delete env.WASMGRAD_THREADS;
  const r = spawnSync(process.execPath, ['--import', TSX, RUN, String(STEPS), what], { encoding: 'utf8', env, timeout: 300000 });
  if (r.status !== 0) throw new Error(`threads_run ${build} ${threads} ${what} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const relaxedOk = spawnSync(process.execPath, ['--import', TSX, '-e',
  "import('./src/index.ts').then(m => m.init()).then(i => process.exit(i.relaxedSimd ? 0 : 1))"], { encoding: 'utf8' }).status === 0;

for (const build of ['simd', ...(relaxedOk ? ['relaxed'] : []), 'scalar']) {
  test(`threads: ${build}: compiled steps on 2 and 3 threads = eager = 1 thread on the plain build, bit for bit, for six models`, () => {
    const one = run(build, 1);
    assert.is(one.info.build, build);
    assert.not.ok(one.info.sharedMemory);
    for (const nt of [2, 3]) {
      const mt = run(build, nt);
      assert.is(mt.info.threads, nt);
      assert.ok(mt.info.sharedMemory);
      assert.is(mt.threads, nt, 'the helpers ran');
      for (const [name, m] of Object.entries(mt.models)) {
        const what = `${build}, ${nt} threads, ${name}`;
        assert.is(m.compiled.losses.length, STEPS);
        assert.ok(m.compiled.losses.every(Number.isFinite), `${what}: finite losses`);
        assert.equal(m.compiled.losses, m.eager.losses, `${what}: compiled losses = eager`);
        assert.equal(m.compiled.tensors, m.eager.tensors, `${what}: compiled parameters and buffers = eager`);
        assert.equal(m.compiled.losses, one.models[name].compiled.losses, `${what}: = 1 thread on the plain build`);
        assert.equal(m.compiled.tensors, one.models[name].compiled.tensors, `${what}: parameters = 1 thread on the plain build`);
        assert.equal(one.models[name].compiled.losses, one.models[name].eager.losses, `${build}, 1 thread, ${name}: compiled = eager`);
        // the calls that captured ran eagerly (the first, and one where the step's work changed,
        // e.g. momentum's first step); every other one ran threaded, with each helper in it
        const replays = STEPS - m.compiled.captures!;
        assert.ok(m.compiled.captures! >= 1 && m.compiled.captures! <= 2, `${what}: ${m.compiled.captures} captures`);
        assert.is(m.compiled.threadedCalls, replays, `${what}: every replayed call ran on the threads`);
        assert.is(m.helperRuns, (nt - 1) * replays, `${what}: each helper took part in every threaded call`);
      }
      // the eager numbers do not depend on the build's threads variant either
      for (const name of Object.keys(mt.models)) assert.equal(mt.models[name].eager.losses, one.models[name].eager.losses);
    }
  });
}

test('threads: a helper that fails makes the call throw one clear error, and later calls run on one thread', () => {
  const r = run('simd', 2, 'failure');
  assert.is(r.started, 'no error');
  assert.match(String(r.helper), /^wasmgrad: a training helper thread failed: Error: helper failure requested by the test/);
  assert.is(r.afterHelper, 1);
});

test('threads: a bad index in a threaded call throws the op\'s message, leaves the parameters as they were, and the next call works', () => {
  const r = run('simd', 2, 'failure');
  assert.match(String(r.badIndex), /index: index 2005 at position 20 is out of bounds for dimension 0 with size 2000/);
  assert.ok(r.unchanged, 'parameters and running statistics unchanged by the failed call');
  assert.ok(r.after, 'the next call gives a finite loss');
  assert.is(r.threadedCalls, 3, 'the replayed calls ran on the threads (the one that stopped too)');
});

test.run();
