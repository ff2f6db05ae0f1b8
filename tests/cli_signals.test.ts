// A run the user started is never lost: SIGINT, SIGTERM and SIGHUP at any phase of `wasmgrad
// train` (while downloading the data, training, evaluating, saving) keep the last completed step
// once and exit 128 + the signal's number; the checkpoint is written before the final
// evaluation, so even a kill -9 there keeps the run; a resumed run takes its settings from the
// checkpoint. Real signals to a real child process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCheckpoint } from '../src/makemore/checkpoint.ts';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;
const TSX = import.meta.resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-sig-'));
const CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

const tiny = join(dir, 'tiny.txt');
writeFileSync(tiny, Array.from({ length: 400 }, (_, i) => ['ann', 'bob', 'cara', 'dave', 'emma', 'finn', 'gus', 'hana'][i % 8] + 'abcdefghij'[i % 10]).join('\n') + '\n');
const small = ['--data', tiny, '--hidden', '16', '--embed', '4', '--batch-size', '8'];
// 30,000 made-up names (about 180k training rows): evaluating them takes long enough to signal in.
const big = join(dir, 'big.txt');
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
writeFileSync(big, Array.from({ length: 30000 }, () => Array.from({ length: 3 + Math.floor(rand() * 7) }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(rand() * 26)]).join('')).join('\n') + '\n');

interface Child { proc: ChildProcess; out: string; err: string; exited: Promise<{ code: number | null; signal: string | null }> }

function start(args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd: dir, env: { ...process.env, WASMGRAD_DEBUG: '', ...env } });
  const c: Child = { proc, out: '', err: '', exited: new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal }))) };
  proc.stdout!.on('data', (d) => { c.out += d; });
  proc.stderr!.on('data', (d) => { c.err += d; });
  return c;
}

/** Resolves when the child's stdout or stderr matches `pattern`; fails after 60 s or if it exits first. */
async function waitFor(c: Child, stream: 'out' | 'err', pattern: RegExp): Promise<void> {
  const t0 = Date.now();
  while (!pattern.test(c[stream])) {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) assert.unreachable(`exited before ${pattern} (stdout: ${c.out.slice(-300)} stderr: ${c.err})`);
    if (Date.now() - t0 > 60_000) assert.unreachable(`no ${pattern} after 60 s (stderr: ${c.err})`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const runSync = (args: string[]) => spawnSync(process.execPath, ['--import', TSX, CLI, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, WASMGRAD_DEBUG: '' } });
const savedStep = (path: string) => decodeCheckpoint(new Uint8Array(readFileSync(path))).training.step;

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`signals: ${sig} while training saves the last completed step and exits ${CODES[sig]}`, async () => {
    const ck = join(dir, `train-${sig}.safetensors`);
    const c = start(['train', ...small, '--steps', '100000000', '--save', ck]);
    await waitFor(c, 'out', /^\s+0\/100000000: /m);
    c.proc.kill(sig);
    const { code } = await c.exited;
    assert.is(code, CODES[sig], c.err);
    const step = Number(/saved checkpoint at step (\d+)/.exec(c.err)?.[1]);
    assert.ok(step > 0, c.err);
    assert.is(savedStep(ck), step, 'the file holds the step it reported');
    assert.is(c.err.match(/saved checkpoint/g)!.length, 1, 'saved once');
    assert.ok(runSync(['sample', '--load', ck, '--num', '2']).status === 0, 'the checkpoint loads');
  });

  test(`signals: ${sig} during the final evaluation exits ${CODES[sig]} with the finished run already saved`, async () => {
    const ck = join(dir, `eval-${sig}.safetensors`);
    const c = start(['train', '--data', big, '--hidden', '512', '--steps', '200', '--calibrate', '--samples', '5', '--save', ck]);
    await waitFor(c, 'out', /^train \d/m);
    c.proc.kill(sig);
    const { code } = await c.exited;
    assert.is(code, CODES[sig], c.err);
    assert.is(savedStep(ck), 200, 'the whole run is in the checkpoint');
    assert.not.match(c.out, /trained 200 steps/, 'stopped before the end');
    assert.match(c.err, new RegExp(`interrupted by ${sig}: the checkpoint at step 200 is in`));
  });
}

test('signals: kill -9 during the final evaluation still leaves the finished run saved', async () => {
  const ck = join(dir, 'killed.safetensors');
  const c = start(['train', '--data', big, '--hidden', '512', '--steps', '200', '--calibrate', '--save', ck]);
  await waitFor(c, 'out', /^train \d/m);
  c.proc.kill('SIGKILL');
  await c.exited;
  assert.is(savedStep(ck), 200);
});

test('signals: a second Ctrl-C during the save waits for it: the file is whole, exit 130', async () => {
  // A 50 MB checkpoint takes long enough to write that the second signal lands during the save.
  const ck = join(dir, 'large.safetensors');
  const c = start(['train', ...small, '--hidden', '4096', '--embed', '1024', '--steps', '1000000', '--save', ck]);
  await waitFor(c, 'out', /^\s+0\/1000000: /m);
  c.proc.kill('SIGINT');
  await waitFor(c, 'err', /saving the checkpoint to/);
  c.proc.kill('SIGINT');
  c.proc.kill('SIGTERM');
  const { code } = await c.exited;
  assert.is(code, 130, c.err);
  // On a very busy machine the save may be over before the signals land: then they exit at once.
  // (the two later signals arrive together; Node may hand either to the handler first)
  if (!/(SIGINT|SIGTERM): finishing the checkpoint first/.test(c.err)) {
    assert.match(c.err, /saved checkpoint at step \d+ [^\n]*\n[^]*interrupted by SIGINT: the checkpoint at step \d+ is in/, c.err);
    console.log('  (the save ended before the second signal arrived: only the exit after it was checked)');
  }
  const step = Number(/saved checkpoint at step (\d+)/.exec(c.err)?.[1]);
  assert.ok(step >= 1, c.err);
  assert.is(savedStep(ck), step);
  rmSync(ck);
});

test('signals: SIGTERM while names.txt downloads exits 143 at once, leaving nothing behind', async () => {
  const { createServer } = await import('node:http');
  const server = createServer(() => { /* never answers */ });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const fresh = mkdtempSync(join(tmpdir(), 'wasmgrad-sig-dl-'));
  try {
    const port = (server.address() as { port: number }).port;
    const proc = spawn(process.execPath, ['--import', TSX, CLI, 'train', '--steps', '20', '--save', 'x.safetensors'],
      { cwd: fresh, env: { ...process.env, WASMGRAD_NAMES_URL: `http://127.0.0.1:${port}/names.txt` } });
    let err = '';
    proc.stderr.on('data', (d) => { err += d; });
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    while (!/downloading/.test(err)) await new Promise((r) => setTimeout(r, 5));
    proc.kill('SIGTERM');
    assert.is(await exited, 143, err);
    assert.match(err, /interrupted by SIGTERM: stopped before training began; nothing was saved/);
    assert.not.ok(existsSync(join(fresh, 'names.txt')));
    assert.not.ok(existsSync(join(fresh, 'x.safetensors')));
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('signals: a run stopped by Ctrl-C, resumed with --resume FILE alone, ends exactly as an uninterrupted run', async () => {
  const flags = [...small, '--steps', '60000', '--lr-decay-at', '25000', '--samples', '5', '--json'];
  const whole = runSync(['train', ...flags]);
  assert.is(whole.status, 0, whole.stderr);
  const ck = join(dir, 'stopped.safetensors');
  const c = start(['train', ...flags, '--save', ck]);
  await waitFor(c, 'err', /^\s+0\/ {2}60000: /m); // with --json, run lines go to stderr
  c.proc.kill('SIGINT');
  const { code } = await c.exited;
  assert.is(code, 130, c.err);
  const step = savedStep(ck);
  assert.ok(step > 0 && step < 60000, `stopped at ${step}`);
  // No sizes, batch size, schedule or --steps: all come from the checkpoint.
  const resumed = runSync(['train', '--data', tiny, '--resume', ck, '--samples', '5', '--json']);
  assert.is(resumed.status, 0, resumed.stderr);
  const a = JSON.parse(whole.stdout), b = JSON.parse(resumed.stdout);
  assert.equal(b.final, a.final, 'final losses');
  assert.equal(b.samples, a.samples, 'samples');
});

test.run();
