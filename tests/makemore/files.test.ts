// Atomic writes: a writer killed mid-write leaves the old file whole; --save's folder checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomic, checkWritable, UserError } from '../../src/makemore/files.ts';

const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-files-'));
const TSX = import.meta.resolve('tsx');
const FILES = new URL('../../src/makemore/files.ts', import.meta.url).href;

test('files: writeAtomic replaces the file whole', async () => {
  const p = join(dir, 'a.bin');
  await writeAtomic(p, new Uint8Array([1, 2, 3]));
  await writeAtomic(p, new Uint8Array([4, 5]));
  assert.equal([...readFileSync(p)], [4, 5]);
});

test('files: a writer killed mid-write leaves the old file intact', async () => {
  const p = join(dir, 'big.bin');
  const old = new Uint8Array(1 << 20).fill(7);
  writeFileSync(p, old);
  // A child that rewrites the file with 64 MB of 9s again and again until killed.
  const script = `import { writeAtomic } from ${JSON.stringify(FILES)};
    const big = new Uint8Array(64 << 20).fill(9);
    process.stdout.write('ready\\n');
    for (;;) await writeAtomic(${JSON.stringify(p)}, big);`;
  const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', script]);
  await new Promise<void>((r) => child.stdout.once('data', () => r()));
  await new Promise((r) => setTimeout(r, 150));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const now = readFileSync(p);
  const allOld = now.length === old.length && now.every((b) => b === 7);
  const allNew = now.length === 64 << 20 && now.every((b) => b === 9);
  assert.ok(allOld || allNew, `file is whole (old or new), got ${now.length} bytes`);
});

test('files: checkWritable refuses a missing or read-only folder before any work', async () => {
  await assert.not.throws(async () => checkWritable(join(dir, 'ok.st'), '--save'));
  try { await checkWritable(join(dir, 'nope', 'x.st'), '--save'); assert.unreachable('missing folder'); } catch (e) {
    assert.instance(e, UserError); assert.match((e as Error).message, /does not exist/);
  }
  mkdirSync(join(dir, 'sub'));
  try { await checkWritable(join(dir, 'sub'), '--save'); assert.unreachable('a folder as the file'); } catch (e) {
    assert.match((e as Error).message, /is a folder/);
  }
  if (process.getuid?.() !== 0) {
    const ro = join(dir, 'ro'); mkdirSync(ro); chmodSync(ro, 0o500);
    try { await checkWritable(join(ro, 'x.st'), '--save'); assert.unreachable('read-only'); } catch (e) {
      assert.match((e as Error).message, /not writable/);
    }
  }
});

test.run();
