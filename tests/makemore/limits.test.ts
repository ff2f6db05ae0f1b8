// The wasm memory estimate against what the engine really allocates (a fresh process per run:
// build, train, split losses, calibration), and the errors for runs that cannot fit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { runBytes, checkFits, checkDataFits, outOfMemoryMessage, MemoryLimitError, BUDGET_BYTES } from '../../src/makemore/limits.ts';

const TSX = import.meta.resolve('tsx');
const src = (p: string) => JSON.stringify(new URL(`../../src/${p}`, import.meta.url).href);
const words = Array.from({ length: 3000 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz'.slice(i % 20, (i % 20) + 3 + (i % 5)));

/** Peak bytes allocated in wasm by a whole run of these sizes (the allocator's high-water mark), measured in a fresh process. */
function measured(H: number, B: number, BS: number, E: number): number {
  const script = `
    import { init, memoryStats, tensor } from ${src('index.ts')};
    import { makeSplits } from ${src('makemore/data.ts')};
    import { MLP } from ${src('makemore/model.ts')};
    import { train } from ${src('makemore/train.ts')};
    import { Generator } from ${src('index.ts')};
    await init();
    const before = memoryStats().allocatedBytes;
    const s = makeSplits(${JSON.stringify(words.join('\n'))}, { blockSize: ${BS}, seed: 1 });
    const t = (d) => ({ X: tensor(d.X, { dtype: 'int32', shape: [d.n, ${BS}] }).keep(), Y: tensor(d.Y, { dtype: 'int32', shape: [d.n] }).keep() });
    const tr = t(s.train), va = t(s.val), te = t(s.test);
    const g = new Generator().manualSeed(1);
    const m = new MLP({ vocabSize: s.vocab.itos.length, blockSize: ${BS}, nEmbed: ${E}, nHidden: ${H}, batchnorm: true }, g);
    await train(m, tr.X, tr.Y, g, { steps: 20, batchSize: ${B}, schedule: { lr: 0.1, decayAt: 10, lrAfter: 0.01 } });
    m.splitLoss(tr.X, tr.Y); m.splitLoss(va.X, va.Y); m.splitLoss(te.X, te.Y); m.calibrate(tr.X);
    m.sample(new Generator().manualSeed(1), 2);
    process.stdout.write(String(memoryStats().allocatedHighWater - before));`;
  const r = spawnSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return Number(r.stdout.trim().split("\n").pop());
}

test('limits: the estimate covers what a run allocates, and is at most 3x of it', () => {
  const examples = words.reduce((n, w) => n + w.length + 1, 0);
  for (const [H, B, BS, E] of [[200, 32, 3, 10], [2000, 32, 3, 10], [300, 512, 8, 24], [64, 8, 40, 2], [200, 1024, 3, 100]]) {
    const got = measured(H, B, BS, E);
    const est = runBytes({ vocabSize: 27, blockSize: BS, nEmbed: E, nHidden: H, batchnorm: true, batchSize: B, examples }).total;
    console.log(`  H ${H} B ${B} block ${BS} embed ${E}: estimate ${est}, allocated ${got}`);
    assert.ok(est >= got && est <= 3 * got + (1 << 20), `H ${H} B ${B} block ${BS} embed ${E}: estimate ${est} vs ${got} allocated`);
  }
});

test('limits: runs that cannot fit are refused with the figures and what to do', () => {
  const notebook = { vocabSize: 27, blockSize: 3, nEmbed: 10, nHidden: 200, batchnorm: true, batchSize: 32, examples: 228146 };
  checkFits(notebook, 'the notebook');
  assert.ok(runBytes(notebook).total < 64 << 20, 'the notebook run is small');
  for (const [change, part] of [[{ blockSize: 20000 }, /data \d+\.\d GiB/], [{ nHidden: 400000 }, /evaluation \d+\.\d GiB/], [{ batchSize: 10_000_000 }, /training step/]] as const) {
    try {
      checkFits({ ...notebook, ...change }, 'these sizes');
      assert.unreachable(JSON.stringify(change));
    } catch (e) {
      assert.instance(e, MemoryLimitError);
      assert.match((e as Error).message, /^these sizes need about \d+\.\d GiB of wasm memory \(/);
      assert.match((e as Error).message, part);
      assert.match((e as Error).message, new RegExp(`more than the ${BUDGET_BYTES / 2 ** 30}\\.0 GiB a wasmgrad run can use; use smaller sizes or less data$`));
    }
  }
  assert.throws(() => checkDataFits(words.join('\n'), { blockSize: 2_000_000, nEmbed: 1, nHidden: 1, batchnorm: true, batchSize: 0 }, 'x'), /x need about/);
  assert.throws(() => checkFits({ ...notebook, nHidden: NaN }, 'y'), /nHidden NaN is not a size/);
});

test('limits: out-of-memory failures read as a user line; other errors do not', () => {
  assert.match(outOfMemoryMessage(new Error('wasmgrad: out of wasm memory asking for 5 bytes with 4 in use; evaluate in smaller chunks'))!, /^out of memory: .*smaller --hidden/);
  let rangeError: unknown;
  try { new Int32Array(2 ** 40); } catch (e) { rangeError = e; }
  assert.ok(outOfMemoryMessage(rangeError), String(rangeError));
  assert.is(outOfMemoryMessage(new Error('something else')), null);
  assert.is(outOfMemoryMessage(undefined), null);
});

test.run();
