// `wasmgrad makemore` with makemore.py's own model.pt: --sample-only reads it (when the work dir
// has no model.safetensors) and prints makemore.py's 50 samples; --resume starts from its weights
// at step 0; every saved best model is written as model.pt too, the same tensors as
// model.safetensors, which torch.load reads (tools/fixtures/torch_files_check.py checks that
// side by hand: tests cannot run PyTorch).
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, oneLineError } from '../helpers/cli.ts';
import { loadFixture } from '../helpers/fixtures.ts';
import { namesTest, namesText } from '../helpers/names.ts';
import { init, loadTorch, loadSafetensors } from '../../src/index.ts';

await init();
const fixture = loadFixture('makemore_zoo.json') as { smallEvery: number; cases: Record<string, { flags: string[]; sampleOnly: string[] }> };
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-zoo-pt-'));
const fixtures = new URL('../fixtures/torch_files/', import.meta.url);

function small(): string {
  const path = join(dir, 'small.txt');
  const lines = namesText()!.split('\n');
  if (lines.at(-1) === '') lines.pop();
  writeFileSync(path, lines.filter((_, i) => i % fixture.smallEvery === 0).join('\n') + '\n');
  return path;
}
const comparable = (lines: string[]) => lines.filter((l) => !l.startsWith('{')); // the flags' line holds paths

namesTest("makemore: --sample-only on makemore.py's own model.pt prints its 50 samples", () => {
  const c = fixture.cases['transformer-small'];
  const work = join(dir, 'sample');
  mkdirSync(work);
  copyFileSync(new URL('zoo_transformer-small.pt', fixtures), join(work, 'model.pt'));
  const r = runCli(['makemore', '-i', small(), '-o', work, ...c.flags, '--sample-only'], { cwd: dir });
  assert.is(r.code, 0, `exit code (stderr: ${r.err})`);
  assert.equal(comparable(r.out.trimEnd().split('\n')), comparable(c.sampleOnly));
});

namesTest('makemore: --resume from model.pt starts at step 0 from its weights, and saves model.pt beside model.safetensors', () => {
  const work = join(dir, 'resume');
  mkdirSync(work);
  copyFileSync(new URL('bigram.pt', fixtures), join(work, 'model.pt'));
  const r = runCli(['makemore', '-i', small(), '-o', work, '--type', 'bigram', '--resume', '--max-steps', '501'], { cwd: dir });
  assert.is(r.code, 0, `exit code (stderr: ${r.err})`);
  assert.match(r.err, /has no resume\.safetensors: starting at step 0 from model\.pt's weights/);
  assert.ok(existsSync(join(work, 'model.safetensors')));
  const pt = loadTorch(new Uint8Array(readFileSync(join(work, 'model.pt'))));
  const st = loadSafetensors(new Uint8Array(readFileSync(join(work, 'model.safetensors'))));
  assert.equal(Object.keys(pt), Object.keys(st));
  for (const k of Object.keys(st)) assert.equal(Array.from(pt[k].toArray()), Array.from(st[k].toArray()), k);
});

namesTest("makemore: a model.pt that does not fit the flags, or is not a model, is one clear line", () => {
  const work = join(dir, 'misfit');
  mkdirSync(work);
  copyFileSync(new URL('bigram.pt', fixtures), join(work, 'model.pt'));
  oneLineError(runCli(['makemore', '-i', small(), '-o', work, '--sample-only'], { cwd: dir }), 1, /model\.pt does not fit a transformer with these sizes.*pass the flags it was trained with/, 'misfit');
  copyFileSync(new URL('optimizer.pt', fixtures), join(work, 'model.pt'));
  oneLineError(runCli(['makemore', '-i', small(), '-o', work, '--sample-only'], { cwd: dir }), 1, /model\.pt: entry 'state' is .*, not a tensor/, 'optimizer');
  writeFileSync(join(work, 'model.pt'), new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]));
  oneLineError(runCli(['makemore', '-i', small(), '-o', work, '--resume'], { cwd: dir }), 1, /model\.pt: is 7 bytes, too short for a zip archive/, 'damaged');
});

test.run();
