// `wasmgrad makemore` as a user runs it, on a small word list made here (no names.txt needed):
// --resume continues bit for bit (files and printed lines), a signal saves a run that then
// resumes bit for bit, --sample-only reads the model's settings from its file, --json prints one
// document, and bad flags, files and data give one-line errors before any work.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, oneLineError, CLI, TSX } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-zoo-cli-'));
const words = join(dir, 'words.txt');
{
  // 400 made-up words from a few syllables (deterministic), with a capital and a hyphen in some.
  const syl = ['ka', 'ri', 'mo', 'an', 'el', 'ta', 'su', 'no', 'bi', 'le', 'ja', 'ro'];
  const out: string[] = [];
  let s = 7;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < 400; i++) {
    let w = '';
    const n = 1 + (next() % 4);
    for (let k = 0; k < n; k++) w += syl[next() % syl.length];
    if (i % 50 === 0) w = `${w[0].toUpperCase()}${w.slice(1)}-x`;
    out.push(w);
  }
  writeFileSync(words, out.join('\n') + '\n');
}
const run = (args: string[], env: Record<string, string> = {}) => runCli(['makemore', '-i', words, ...args], { cwd: dir, env, timeout: 300_000 });
const lines = (out: string) => out.trimEnd().split('\n').map((l) => l.replace(/ \| step time .*$/, ''));
const RNN = ['--type', 'rnn', '--n-embd', '16', '--n-embd2', '24', '--batch-size', '16'];

test('makemore: --resume continues a run bit for bit: the same lines from where it stopped, the same files', () => {
  const a = join(dir, 'straight'), b = join(dir, 'stopped');
  const straight = run(['-o', a, ...RNN, '--max-steps', '1101']);
  assert.is(straight.code, 0, straight.err);
  assert.is(run(['-o', b, ...RNN, '--max-steps', '650']).code, 0);
  const resumed = run(['-o', b, '--resume', '--max-steps', '1101']);
  assert.is(resumed.code, 0, resumed.err);
  assert.match(resumed.err, /continuing the saved run at step 650/);
  const tail = (out: string) => { const l = lines(out); return l.slice(l.findIndex((x) => x.startsWith('step 650 |'))); };
  assert.ok(tail(resumed.out).length > 20);
  assert.equal(tail(resumed.out).map((l) => l.replace(b, a)), tail(straight.out));
  for (const f of ['model.safetensors', 'resume.safetensors']) {
    assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} is byte for byte the straight run's`);
  }
  // a finished run says how to go on
  oneLineError(run(['-o', b, '--resume']), 2, /has done its 1101 steps \(--max-steps 1101\); pass --max-steps above 1101/, 'finished run');
});

test('makemore: SIGTERM finishes the step under way, saves the run and exits 143; --resume then continues bit for bit', async () => {
  const a = join(dir, 'signal'), b = join(dir, 'signal-straight');
  const child = spawn(process.execPath, ['--import', TSX, CLI, 'makemore', '-i', words, '-o', a, ...RNN], { cwd: dir });
  let out = '', err = '';
  child.stderr.on('data', (d) => { err += d; });
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (/step 300 \|/.test(out) && !child.killed) child.kill('SIGTERM');
    });
    child.on('exit', (c) => resolve(c));
  });
  assert.is(code, 143, err);
  const m = /interrupted by SIGTERM at step (\d+): saved the run to .*resume\.safetensors/.exec(err);
  assert.ok(m, err);
  const at = Number(m![1]);
  assert.ok(at > 300, `stopped after step 300 (at ${at})`);
  const resumed = run(['-o', a, '--resume', '--max-steps', String(at + 120)]);
  assert.is(resumed.code, 0, resumed.err);
  const straight = run(['-o', b, ...RNN, '--max-steps', String(at + 120)]);
  const after = (o: string) => lines(o).filter((l) => /^step \d+ \|/.test(l) && Number(l.split(' ')[1]) >= at);
  assert.ok(after(straight.out).length >= 10);
  assert.equal(after(resumed.out), after(straight.out));
  assert.ok(readFileSync(join(a, 'resume.safetensors')).equals(readFileSync(join(b, 'resume.safetensors'))));
});

test('makemore: --sample-only reads the type and sizes from model.safetensors and prints 50 samples, sorted as makemore.py sorts them', () => {
  const a = join(dir, 'straight');
  const r = run(['-o', a, '--sample-only', '--top-k', '3']);
  assert.is(r.code, 0, r.err);
  const out = lines(r.out);
  assert.match(out[0], /'sample_only': True.*'top_k': 3, 'type': 'rnn', 'n_layer': 4, 'n_head': 4, 'n_embd': 16, 'n_embd2': 24/);
  assert.ok(out.includes('resuming from existing model in the workdir'));
  const counts = out.filter((l) => /^\d+ samples that are (in train|in test|new):$/.test(l)).map((l) => Number(l.split(' ')[0]));
  assert.is(counts.length, 3);
  assert.is(counts[0] + counts[1] + counts[2], 50);
  const train = new Set(readFileSync(words, 'utf8').trim().split('\n'));
  const listed = out.slice(out.indexOf(`${counts[0]} samples that are in train:`) + 1).slice(0, counts[0]);
  assert.ok(listed.every((w) => train.has(w)), 'the train samples are words of the file');
  oneLineError(run(['-o', a, '--sample-only', '--n-embd', '32']), 2, /--n-embd 32 does not match the saved model's 16/, 'sizes that contradict the file');
});

test('makemore: --resume with model.safetensors alone starts at step 0 from its weights, with the command line\'s other flags (as makemore.py)', () => {
  const a = join(dir, 'from-model');
  mkdirSync(a, { recursive: true });
  copyFileSync(join(dir, 'straight', 'model.safetensors'), join(a, 'model.safetensors'));
  const r = run(['-o', a, '--resume', '--max-steps', '11', '--learning-rate', '0.002', '--seed', '5']);
  assert.is(r.code, 0, r.err);
  assert.match(r.err, /has no resume\.safetensors: starting at step 0 from model\.safetensors's weights/);
  const out = lines(r.out);
  assert.match(out[0], /'seed': 5, .*'type': 'rnn', .*'n_embd': 16, 'n_embd2': 24, .*'learning_rate': 0\.002/);
  const fresh = lines(run(['-o', join(dir, 'fresh'), ...RNN, '--max-steps', '1', '--seed', '5']).out);
  const loss = (l: string[]) => Number(/^step 0 \| loss (\S+)/m.exec(l.join('\n'))![1]);
  assert.ok(loss(out) < loss(fresh) - 0.3, `trained weights: step 0 loss ${loss(out)}, untrained ${loss(fresh)}`);
});

test('makemore: --json prints exactly one JSON document on stdout (the log, evaluations, samples, files) and every other line on stderr', () => {
  const r = run(['-o', join(dir, 'json'), '--type', 'bigram', '--max-steps', '501', '--json']);
  assert.is(r.code, 0, r.err);
  const doc = JSON.parse(r.out);
  assert.is(r.out.trim().split('\n').length, 1);
  assert.is(doc.settings.type, 'bigram');
  assert.is(doc.params, doc.dataset.vocabSize ** 2);
  assert.equal(doc.log.map((l: { step: number }) => l.step), Array.from({ length: 51 }, (_, i) => i * 10));
  assert.equal(doc.evals.map((e: { step: number }) => e.step), [500]);
  assert.equal(doc.samples.map((s: { step: number }) => s.step), [200, 400]);
  assert.is(doc.best.step, 500);
  assert.is(doc.state.step, 501);
  assert.match(r.err, /step 500 train loss: \S+ test loss: \S+/);
  assert.match(r.err, new RegExp(`step 490 \\| loss ${doc.log[49].loss.toFixed(4)}`));
});

test('makemore: bad flags, files and data are one-line errors before any work, naming the fix', () => {
  const o = ['-o', join(dir, 'errors')];
  oneLineError(run([...o, '--type', 'lstm']), 2, /--type must be one of bigram, mlp, rnn, gru, bow, transformer, got 'lstm'/, 'type');
  oneLineError(run([...o, '--device', 'cuda']), 2, /--device cuda: wasmgrad runs on the CPU/, 'device');
  oneLineError(run([...o, '--top-k', '0']), 2, /--top-k must be -1/, 'top-k 0');
  oneLineError(run([...o, '--top-k', '99']), 2, /--top-k 99 is more than the \d+ tokens of the vocabulary/, 'top-k too large');
  oneLineError(run([...o, '--n-embd', '30']), 2, /--n-embd 30 must be a multiple of --n-head 4/, 'heads');
  oneLineError(run([...o, '--max-steps', '-2']), 2, /--max-steps must be a whole number >= -1/, 'max steps');
  oneLineError(run([...o, '--learning-rate', 'fast']), 2, /--learning-rate must be a number >= 0, got 'fast'/, 'lr');
  oneLineError(run([...o, '--bogus']), 2, /makemore: unknown option '--bogus'/, 'unknown flag');
  oneLineError(run([...o, '--sample-only']), 1, /has no model\.safetensors to sample from/, 'nothing to sample');
  oneLineError(run([...o, '--resume']), 1, /has no saved run \(resume\.safetensors\) or model/, 'nothing to resume');
  // work dirs that cannot be made (under /proc, Node's recursive mkdir never returns)
  oneLineError(run(['-o', join(words, 'sub'), '--max-steps', '5']), 1, /--work-dir .*words\.txt is a file, not a folder/, 'work dir under a file');
  if (existsSync('/proc/self')) oneLineError(run(['-o', '/proc/wasmgrad-zoo/out', '--max-steps', '5']), 1, /--work-dir \/proc\/wasmgrad-zoo\/out: cannot create \/proc\/wasmgrad-zoo/, 'work dir under /proc');
  oneLineError(run([...o, '--n-embd', '100000', '--max-steps', '1']), 1, /out of memory: .*use a smaller --n-embd, --n-embd2, --n-layer or --batch-size/, 'a model too big for wasm');
  // a missing input makes no work dir
  oneLineError(runCli(['makemore', '-i', join(dir, 'missing.txt'), '-o', join(dir, 'never')], { cwd: dir }), 1, /not found/, 'missing input');
  assert.not.ok(existsSync(join(dir, 'never')), 'no work dir for a run that could not start');
  assert.not.ok(existsSync(join(dir, 'errors', 'resume.safetensors')));
  // data
  const few = join(dir, 'few.txt');
  writeFileSync(few, 'ann\nbob\n\n  cat  \n');
  oneLineError(runCli(['makemore', '-i', few, ...o, '--max-steps', '5'], { cwd: dir }), 1, /has 3 words; makemore needs at least 10/, 'too few words');
  const binary = join(dir, 'binary.txt');
  writeFileSync(binary, Buffer.from([0x61, 0x0a, 0x00, 0x62, 0x0a]));
  oneLineError(runCli(['makemore', '-i', binary, ...o, '--max-steps', '5'], { cwd: dir }), 1, /looks binary or is not UTF-8/, 'binary');
  oneLineError(runCli(['makemore', '-i', join(dir, 'missing.txt'), ...o], { cwd: dir }), 1, /not found: .*missing\.txt; pass --input-file/, 'missing file');
  // a resume that cannot continue the saved run
  const a = join(dir, 'straight');
  oneLineError(run(['-o', a, '--resume', '--max-steps', '1300', '--n-embd2', '32']), 2, /--n-embd2 32 does not match the saved run's 24/, 'resize on resume');
  const other = join(dir, 'other.txt');
  writeFileSync(other, `${readFileSync(words, 'utf8')}kariel\n`);
  oneLineError(runCli(['makemore', '-i', other, '-o', a, '--resume', '--max-steps', '1300'], { cwd: dir }), 1, /other\.txt is not the data the saved run .* was trained on \(401 words, 400 then\)/, 'other data');
  // a damaged resume file
  const broken = join(dir, 'broken');
  mkdirSync(broken);
  const bytes = readFileSync(join(a, 'resume.safetensors'));
  bytes[bytes.length - 100] ^= 0x40;
  writeFileSync(join(broken, 'resume.safetensors'), bytes);
  oneLineError(run(['-o', broken, '--resume', '--max-steps', '1300']), 1, /resume\.safetensors is damaged: its contents do not match the checksum/, 'damaged');
});

test('makemore: --help lists makemore.py\'s flags; `wasmgrad help makemore` says the same', () => {
  const r = runCli(['makemore', '--help'], { cwd: dir });
  assert.is(r.code, 0);
  for (const flag of ['--input-file', '--work-dir', '--resume', '--sample-only', '--max-steps', '--seed', '--top-k', '--type', '--n-layer', '--n-head', '--n-embd', '--n-embd2', '--batch-size', '--learning-rate', '--weight-decay', '--json']) {
    assert.ok(r.out.includes(flag), flag);
  }
  assert.is(runCli(['help', 'makemore'], { cwd: dir }).out, r.out);
  assert.match(runCli(['--help'], { cwd: dir }).out, /wasmgrad makemore/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
