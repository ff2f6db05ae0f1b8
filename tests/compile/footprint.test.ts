// The kernels' thread directives (assembly/kernels/, read by tools/gen-program-threads.mjs) against
// what their shares really do, on the recorded programs of the test models, on each -threads build:
// shares give the whole command's bits, write only what they declare and read nothing else that
// matters (footprint_run.ts, in a child process, since init() picks the build once per process).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';

const RUN = new URL('./footprint_run.ts', import.meta.url).pathname;
const TSX = import.meta.resolve('tsx');
const relaxedOk = spawnSync(process.execPath, ['--import', TSX, '-e',
  "import('./src/index.ts').then(m => m.init()).then(i => process.exit(i.relaxedSimd ? 0 : 1))"], { encoding: 'utf8' }).status === 0;

for (const build of ['simd', ...(relaxedOk ? ['relaxed'] : []), 'scalar']) {
  test(`footprint: ${build}: every split command's shares match the whole command and their declared footprints`, () => {
    const r = spawnSync(process.execPath, ['--import', TSX, RUN], { encoding: 'utf8', timeout: 300000, env: { ...process.env, WASMGRAD_BUILD: build, WASMGRAD_THREADS: '2' } });
    assert.is(r.status, 0, r.stderr);
    const result: Record<string, { commands: number; checked: number; shares: number; problems: string[] }> = JSON.parse(r.stdout.trim().split('\n').pop()!);
    for (const [name, m] of Object.entries(result)) {
      assert.equal(m.problems, [], `${build}, ${name}`);
      assert.ok(m.checked >= m.commands / 2, `${build}, ${name}: ${m.checked} of ${m.commands} commands split`);
      assert.ok(m.shares > 5 * m.checked, `${build}, ${name}: ${m.shares} shares`);
    }
  });
}

test.run();
