// Two-thread training (init({ threads: 2 }), `wasmgrad train --threads 2`): the same losses and
// parameters, bit for bit, as one thread on the same build kind (its -threads variant and the
// plain build). (A failing helper: tests/compile/threads.test.ts.) Each setting runs in a child
// process (threads_run.ts), as init() picks the build once per process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { namesPath, namesTest } from '../helpers/names.ts';

const RUN = new URL('./threads_run.ts', import.meta.url).pathname;
const TSX = import.meta.resolve('tsx');
const STEPS = 200;

function run(env: Record<string, string>, args: string[]): Record<string, any> {
  const e: Record<string, string | undefined> = { ...process.env, ...env };
  if (!env.WASMGRAD_THREADS) delete e.WASMGRAD_THREADS;
  const r = spawnSync(process.execPath, ['--import', TSX, RUN, String(STEPS), ...args], { encoding: 'utf8', env: e });
  if (r.status !== 0) throw new Error(`threads_run ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const relaxedOk = spawnSync(process.execPath, ['--import', TSX, '-e',
  "import('./src/index.ts').then(m => m.init()).then(i => process.exit(i.relaxedSimd ? 0 : 1))"], { encoding: 'utf8' }).status === 0;

{
  for (const build of ['simd', ...(relaxedOk ? ['relaxed'] : []), 'scalar']) {
    namesTest(`threads: ${build}: ${STEPS} steps on 2 threads give the 1-thread losses and parameters bit for bit`, () => {
      const mt = run({ WASMGRAD_BUILD: build, WASMGRAD_THREADS: '2' }, ['1', '2']);
      if (mt.skip) { console.log(`  (skipped: ${mt.skip})`); return; }
      assert.equal(mt.info.threads, 2);
      assert.ok(mt.info.sharedMemory);
      const st = run({ WASMGRAD_BUILD: build }, ['1']);
      assert.equal(st.info.threads, 1);
      assert.not.ok(st.info.sharedMemory);
      assert.is(mt.threads2.losses.length, STEPS);
      assert.is(mt.threads2.threadedSteps, STEPS - 1, 'every step after the capture (eager, on this thread) ran on the threads');
      assert.ok(mt.threads2.losses.every(Number.isFinite));
      // 2 threads == 1 thread on the -threads build == the plain build
      assert.equal(mt.threads2.losses, mt.threads1.losses);
      assert.equal(mt.threads2.params, mt.threads1.params);
      assert.equal(mt.threads2.losses, st.threads1.losses);
      assert.equal(mt.threads2.params, st.threads1.params);
    });
  }

  namesTest(`threads: simd: 3 threads (uneven shares of rows, features and parameters) give the 1-thread numbers bit for bit`, () => {
    const mt = run({ WASMGRAD_BUILD: 'simd', WASMGRAD_THREADS: '3' }, ['1', '3']);
    if (mt.skip) { console.log(`  (skipped: ${mt.skip})`); return; }
    assert.equal(mt.info.threads, 3);
    assert.is(mt.threads3.losses.length, STEPS);
    assert.equal(mt.threads3.losses, mt.threads1.losses);
    assert.equal(mt.threads3.params, mt.threads1.params);
  });

  namesTest('threads: `wasmgrad train --threads 2` prints the 1-thread results and exits', () => {
    const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
    const cli = (extra: string[]) => {
      const r = spawnSync(process.execPath, ['--import', TSX, CLI, 'train', '--data', namesPath()!, '--steps', '300', '--samples', '3', '--json', ...extra],
        { encoding: 'utf8', timeout: 120000, env: { ...process.env, WASMGRAD_BUILD: 'simd', WASMGRAD_THREADS: '' } });
      assert.is(r.status, 0, r.stderr);
      return JSON.parse(r.stdout.trim().split('\n').pop()!);
    };
    const one = cli([]), two = cli(['--threads', '2']);
    assert.is(two.threads, 2);
    assert.is(one.threads, undefined);
    assert.equal(two.log, one.log);
    assert.equal(two.final, one.final);
    assert.equal(two.samples, one.samples);
  });

}

test.run();
