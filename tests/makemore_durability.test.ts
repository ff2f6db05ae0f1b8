// Never lose a run, with `wasmgrad makemore` as a user and a supervisor drive it: a signal stops
// it after the step under way (not at the next 500-step save), and SIGTERM then SIGKILL leaves a
// run to resume; a work dir holding another run is not overwritten without --overwrite; a words
// file with other characters than the model's is refused instead of sampled; a symlinked work dir
// does not block itself; files of a million lines work, and a file of one huge line is refused at
// once. Real processes, real signals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync, symlinkSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, TSX, runCli, oneLineError } from './helpers/cli.ts';
import { decodeState, decodeModel } from '../src/makemore/zoo/checkpoint.ts';
import { init } from '../src/index.ts';
import { createDatasets, parseWords } from '../src/makemore/zoo/data.ts';
import { parseNames } from '../src/makemore/data.ts';

await init();
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-mm-durable-'));
let seed = 777;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const word = () => Array.from({ length: 3 + Math.floor(rand() * 6) }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(rand() * 26)]).join('');
const words = join(dir, 'words.txt');
writeFileSync(words, Array.from({ length: 600 }, word).join('\n') + '\n');
/** A small Transformer: a step takes milliseconds, an evaluation a fraction of a second. */
const SMALL = ['--type', 'transformer', '--n-layer', '1', '--n-head', '2', '--n-embd', '16', '-b', '8'];

interface Child { proc: ChildProcess; out: string; err: string; exited: Promise<{ code: number | null; signal: string | null }> }
function start(args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd: dir, env: { ...process.env, WASMGRAD_DEBUG: '' } });
  const c: Child = { proc, out: '', err: '', exited: new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal }))) };
  proc.stdout!.on('data', (d) => { c.out += d; });
  proc.stderr!.on('data', (d) => { c.err += d; });
  return c;
}
async function waitFor(c: Child, pattern: RegExp): Promise<void> {
  const t0 = Date.now();
  while (!pattern.test(c.out)) {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) assert.unreachable(`exited before ${pattern} (stdout: ${c.out.slice(-300)} stderr: ${c.err})`);
    if (Date.now() - t0 > 120_000) assert.unreachable(`no ${pattern} after 120 s (stderr: ${c.err})`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const lastStep = (out: string) => Math.max(...[...out.matchAll(/^step (\d+) \|/gm)].map((m) => Number(m[1])));

// SIGINT comes after the first save (step 500): a save in the middle of training must leave
// signals stopping the training, not ending the process on the spot.
for (const [sig, code, at] of [['SIGTERM', 143, 20], ['SIGINT', 130, 520], ['SIGHUP', 129, 20]] as const) {
  test(`makemore: ${sig} at step ${at}, then SIGKILL 2 s later: it had saved the run at the step it stopped at and exited ${code}`, async () => {
    const o = join(dir, `sig-${sig}`);
    const c = start(['makemore', '-i', words, '-o', o, ...SMALL, '--max-steps', '100000']);
    await waitFor(c, new RegExp(`^step ${at} \\|`, 'm'));
    const printed = lastStep(c.out);
    c.proc.kill(sig);
    const killer = setTimeout(() => c.proc.kill('SIGKILL'), 2000);
    const exit = await c.exited;
    clearTimeout(killer);
    assert.equal(exit, { code, signal: null }, `exited by itself with ${code} before the SIGKILL (stderr: ${c.err})`);
    const saved = decodeState(new Uint8Array(readFileSync(join(o, 'resume.safetensors'))));
    assert.ok(saved.step > printed && saved.step < at + 480, `saved at step ${saved.step}, after the printed step ${printed} and long before the next 500-step save`);
    assert.match(c.err, new RegExp(`interrupted by ${sig} at step ${saved.step}: saved the run`));
    assert.not.ok(existsSync(join(o, 'resume.safetensors.lock')) || existsSync(join(o, 'model.safetensors.lock')), 'no lock left');
    // ...and it continues from there.
    const more = runCli(['makemore', '-i', words, '-o', o, '--resume', '--max-steps', String(saved.step + 3), '--json'], { cwd: dir, timeout: 120_000 });
    assert.is(more.code, 0, more.err);
    assert.is(JSON.parse(more.out).resumedAt, saved.step);
  });
}

test('makemore: SIGTERM at 8 random moments (training, sampling every 200 steps, evaluating and saving every 500) always exits 143 by itself with a run that resumes', async () => {
  let moments = 91;
  const at = () => ((moments = (moments * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 8; i++) {
    const o = join(dir, `random-${i}`);
    const c = start(['makemore', '-i', words, '-o', o, '--type', 'bigram', '--max-steps', '100000']);
    await waitFor(c, /^step 0 \|/m);
    await new Promise((r) => setTimeout(r, 100 + 2900 * at()));
    c.proc.kill('SIGTERM');
    const killer = setTimeout(() => c.proc.kill('SIGKILL'), 5000);
    const exit = await c.exited;
    clearTimeout(killer);
    assert.equal(exit, { code: 143, signal: null }, `moment ${i}: exited by itself (stderr: ${c.err.slice(-400)})`);
    const step = decodeState(new Uint8Array(readFileSync(join(o, 'resume.safetensors')))).step;
    assert.match(c.err, new RegExp(`interrupted by SIGTERM at step ${step}: saved the run`), `moment ${i}`);
    const more = runCli(['makemore', '-i', words, '-o', o, '--resume', '--max-steps', String(step + 2), '--json'], { cwd: dir, timeout: 120_000 });
    assert.is(more.code, 0, `moment ${i} resumes: ${more.err}`);
  }
});

test('makemore: a fresh run in a work dir that holds another run is refused; --overwrite replaces both of its files', async () => {
  const o = join(dir, 'taken');
  const first = runCli(['makemore', '-i', words, '-o', o, '--type', 'bigram', '--max-steps', '501'], { cwd: dir, timeout: 120_000 });
  assert.is(first.code, 0, first.err);
  const before = [readFileSync(join(o, 'resume.safetensors')), readFileSync(join(o, 'model.safetensors'))];
  oneLineError(runCli(['makemore', '-i', words, '-o', o, '--type', 'bigram', '--max-steps', '11'], { cwd: dir }), 2,
    /--work-dir .*taken holds another run \(resume\.safetensors, model\.safetensors and model\.pt\); continue it with --resume, choose another --work-dir, or pass --overwrite/, 'second run');
  assert.ok(readFileSync(join(o, 'resume.safetensors')).equals(before[0]) && readFileSync(join(o, 'model.safetensors')).equals(before[1]), 'both files untouched');
  oneLineError(runCli(['makemore', '-i', words, '-o', o, '--resume', '--overwrite'], { cwd: dir }), 2, /--overwrite starts a new run; it does not go with --resume/, '--overwrite --resume');
  const again = runCli(['makemore', '-i', words, '-o', o, '--type', 'bigram', '--max-steps', '11', '--overwrite'], { cwd: dir, timeout: 120_000 });
  assert.is(again.code, 0, again.err);
  assert.is(decodeState(new Uint8Array(readFileSync(join(o, 'resume.safetensors')))).step, 11);
  assert.not.ok(existsSync(join(o, 'model.safetensors')) || existsSync(join(o, 'model.pt')), 'the old run\'s model is gone with it (the new run has not evaluated yet)');
});

test('makemore: --sample-only and --resume with a words file of other characters (the same file in upper case) are refused, not sampled; without -i the model samples with its own', async () => {
  const o = join(dir, 'vocab');
  const r = runCli(['makemore', '-i', words, '-o', o, '--type', 'bigram', '--max-steps', '501'], { cwd: dir, timeout: 120_000 });
  assert.is(r.code, 0, r.err);
  const upper = join(dir, 'upper.txt');
  writeFileSync(upper, readFileSync(words, 'utf8').toUpperCase());
  oneLineError(runCli(['makemore', '-i', upper, '-o', o, '--sample-only'], { cwd: dir }), 1, /upper\.txt has other characters, 'ABC.*' \(26\), than the model in .* was trained on, 'abc.*' \(26\); pass the words file it was trained on/, 'sample-only');
  oneLineError(runCli(['makemore', '-i', upper, '-o', o, '--resume', '--max-steps', '600'], { cwd: dir }), 1, /upper\.txt (is not the data|has other characters)/, 'resume');
  // Without -i, the default names.txt (here the upper-case one) only sorts the samples: the model
  // samples with its own characters, and says so.
  const own = join(dir, 'own');
  mkdirSync(own);
  writeFileSync(join(own, 'names.txt'), readFileSync(upper));
  const mine = runCli(['makemore', '-o', o, '--sample-only', '--json'], { cwd: own, timeout: 120_000 });
  assert.is(mine.code, 0, mine.err);
  assert.match(mine.err, /note: names\.txt has other characters, 'ABC.*' \(26\), than the model, 'abc.*' \(26\): sampling with the model's own/);
  const sampled = JSON.parse(mine.out).samples[0];
  const all = [...sampled.train, ...sampled.test, ...sampled.new];
  assert.is(all.length, 50);
  assert.ok(all.every((w: string) => /^[a-z]*$/.test(w)), `the model's own characters: ${all.slice(0, 8).join(' ')}`);
  const ok = runCli(['makemore', '-i', words, '-o', o, '--sample-only', '--json'], { cwd: dir, timeout: 120_000 });
  assert.is(ok.code, 0, ok.err);
  assert.ok(decodeModel(new Uint8Array(readFileSync(join(o, 'model.safetensors')))).info!.chars.join('') === 'abcdefghijklmnopqrstuvwxyz');
});

test('makemore: a symlinked work dir trains past its second save (its lock is the same file however it is named)', async () => {
  const real = join(dir, 'real-out');
  mkdirSync(real);
  const link = join(dir, 'link-out');
  symlinkSync(real, link);
  const r = runCli(['makemore', '-i', words, '-o', link, '--type', 'bigram', '--max-steps', '1001'], { cwd: dir, timeout: 180_000 });
  assert.is(r.code, 0, r.err);
  assert.is(decodeState(new Uint8Array(readFileSync(join(real, 'resume.safetensors')))).step, 1001);
  assert.match(r.out, /step 1000 train loss/);
});

test('makemore: a million-line words file trains (it overflowed the call stack)', () => {
  const million = join(dir, 'million.txt');
  writeFileSync(million, Array.from({ length: 1_000_000 }, word).join('\n') + '\n');
  const r = runCli(['makemore', '-i', million, '-o', join(dir, 'million'), '--type', 'bigram', '--max-steps', '3', '--json'], { cwd: dir, timeout: 300_000 });
  assert.is(r.code, 0, r.err);
  assert.is(JSON.parse(r.out).dataset.words, 1_000_000);
  assert.is(decodeState(new Uint8Array(readFileSync(join(dir, 'million', 'resume.safetensors')))).step, 3);
});

test('makemore: a million-line words file makes its datasets (no call stack overflow); one 10 MB line is refused at once', () => {
  const many = Array.from({ length: 1_000_000 }, (_, i) => `w${i.toString(36)}`).join('\n');
  const d = createDatasets(many.replace(/\d/g, (c) => 'abcdefghij'[Number(c)]));
  assert.is(d.words.length, 1_000_000);
  const line = 'a'.repeat(10 << 20);
  const t0 = performance.now();
  assert.throws(() => parseWords(`${line}\nbob\n`), /line 1 is 10,485,760 characters long, over the 1000 a line may hold/);
  assert.throws(() => parseNames(`${line}\n`), /line 1 is 10,485,760 characters long/);
  assert.ok(performance.now() - t0 < 5000, 'refused without building anything');
  // A right-to-left override would reorder the terminal's line when samples are printed.
  assert.throws(() => parseWords('ann\nbo\u202Eb\n'), /line 2 holds the control character U\+202E/);
  assert.throws(() => parseNames('ann\nbo\u2066b\n'), /line 2 contains control character U\+2066/);
});

test('train: --samples over 1,000 and a learning rate that blows up in 100 steps are errors, before or as they happen', () => {
  const t = join(dir, 'names.txt');
  writeFileSync(t, readFileSync(words));
  oneLineError(runCli(['train', '--data', t, '--steps', '100000000', '--samples', '1000000'], { cwd: dir, timeout: 60_000 }), 2, /--samples must be at most 1000, got '1000000'/, 'samples');
  const r = runCli(['train', '--data', t, '--steps', '100', '--lr', '1e6', '--hidden', '16', '--embed', '4', '--batch-size', '8'], { cwd: dir, timeout: 120_000 });
  oneLineError(r, 1, /loss (averaged .* over the 25 steps to step \d+|became (NaN|Infinity) at step \d+).*training diverged/, 'lr 1e6 for 100 steps');
});

test('cli: a current folder deleted under the shell is one clear error', () => {
  const gone = join(dir, 'gone');
  mkdirSync(gone);
  // A shell in a folder that is then deleted: the child starts there. (The built command, as
  // installed: tsx itself cannot start without a current folder.)
  const bin = new URL('../dist/cli.js', import.meta.url).pathname;
  assert.ok(existsSync(bin), 'dist/cli.js is built (npm install builds it)');
  const script = `const fs = require('fs'), cp = require('child_process'); process.chdir(${JSON.stringify(gone)}); fs.rmdirSync(${JSON.stringify(gone)});
    const r = cp.spawnSync(process.execPath, [${JSON.stringify(bin)}, 'makemore', '-o', 'out', '--max-steps', '1'], { encoding: 'utf8', env: { ...process.env, WASMGRAD_DEBUG: '' } });
    process.stderr.write(r.stderr); process.exit(r.status ?? 99);`;
  const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: dir });
  assert.is(res.status, 1, res.stderr);
  assert.match(res.stderr, /^wasmgrad: the current folder no longer exists .*; cd to an existing folder and run again\n$/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
