// Issue 17's hostile user and hostile files, through the CLI: a full disk, special files, targets
// equal to inputs, sizes that cannot fit, hostile vocabularies, damaged weights and generator
// state, concurrent saves. Each case ends in one line and a non-zero exit, with nothing lost.
// Hand-made hostile checkpoints are format version 1 (no checksum), as any file may be.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, statSync, readdirSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SafeTensor } from '../src/safetensors.ts';
import { rewrite } from './helpers/checkpoint.ts';
import { CLI, TSX, runCli, oneLineError } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-durable-'));
const run = (args: string[], opts: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}) => runCli(args, { cwd: dir, timeout: 120_000, ...opts });
const isRoot = process.getuid?.() === 0;

const tiny = join(dir, 'tiny.txt');
writeFileSync(tiny, Array.from({ length: 400 }, (_, i) => ['ann', 'bob', 'cara', 'dave', 'emma', 'finn', 'gus', 'hana'][i % 8] + 'abcdefghij'[i % 10]).join('\n') + '\n');
const small = ['--data', tiny, '--hidden', '16', '--embed', '4', '--batch-size', '8', '--samples', '2'];

const good = join(dir, 'good.st');
{
  const r = run(['train', ...small, '--steps', '100', '--save', good]);
  assert.is(r.code, 0, r.err);
}
const goodBytes = readFileSync(good);

/** A hand-made file: the good checkpoint edited, as format version 1 (no checksum). */
function legacy(name: string, edit: (t: Record<string, SafeTensor>, m: Record<string, string>) => void): string {
  const path = join(dir, name);
  writeFileSync(path, rewrite(goodBytes, (t, m) => { edit(t, m); m.format_version = '1'; delete m.checksum; }, { seal: false }));
  return path;
}

// Finding 1.
test('durability: a save that hits a full disk or the file-size limit fails with one line and keeps the old checkpoint', () => {
  const bigger = ['train', '--data', tiny, '--hidden', '64', '--batch-size', '8', '--samples', '0', '--steps', '20'];
  const sub = join(dir, 'fsize'); mkdirSync(sub);
  const ck = join(sub, 'ck.st');
  writeFileSync(ck, goodBytes);
  // The limit needs a shell; SIGXFSZ ignored as `trap` does, so the write returns short, then EFBIG.
  const sh = execShell(`trap '' XFSZ; ulimit -f 20; exec ${q(process.execPath)} --import ${q(TSX)} ${q(CLI)} ${bigger.map(q).join(' ')} --save ${q(ck)}`);
  oneLineError(sh, 1, /cannot save to .*ck\.st: the file is larger than this system allows.*unchanged/, 'file-size limit');
  assert.equal(readFileSync(ck), goodBytes, 'old checkpoint unchanged');
  assert.equal(readdirSync(sub), ['ck.st'], 'nothing left behind');
  if (!isRoot) return;
  const mnt = mkdtempSync(join(tmpdir(), 'wasmgrad-fulldisk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20k', 'tmpfs', mnt]);
  try {
    const onDisk = join(mnt, 'ck.st');
    writeFileSync(onDisk, goodBytes);
    oneLineError(run([...bigger, '--save', onDisk]), 1, /cannot save to .*: the disk is full; free some space or save elsewhere/, 'full disk');
    assert.equal(readFileSync(onDisk), goodBytes, 'old checkpoint unchanged on the full disk');
    assert.equal(readdirSync(mnt), ['ck.st']);
    oneLineError(run([...bigger, '--steps', '1200', '--plot', join(mnt, 'loss.svg')]), 1, /loss\.svg: the disk is full/, '--plot on a full disk');
    assert.not.ok(existsSync(join(mnt, 'loss.svg')), 'no cut SVG');
  } finally {
    execFileSync('umount', [mnt]);
  }
});

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
function execShell(script: string) {
  try {
    const out = execFileSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WASMGRAD_DEBUG: '' } });
    return { code: 0, out, err: '', signal: null };
  } catch (e) {
    const x = e as { status: number | null; stdout: string; stderr: string; signal: NodeJS.Signals | null };
    return { code: x.status, out: x.stdout, err: x.stderr, signal: x.signal };
  }
}

// Finding 2.
test('durability: --save equal to --data, --plot equal to --save, a device node or a FIFO are refused before training', () => {
  const data = join(dir, 'data-copy.txt');
  writeFileSync(data, readFileSync(tiny));
  oneLineError(run(['train', ...small.slice(2), '--data', data, '--steps', '5', '--save', data]), 1, /--save .* is the --data file/, '--save = --data');
  assert.equal(readFileSync(data), readFileSync(tiny), 'names file intact');
  const ck = join(dir, 'both.st');
  oneLineError(run(['train', ...small, '--steps', '5', '--save', ck, '--plot', ck]), 1, /--plot and --save are the same file/, '--plot = --save');
  assert.not.ok(existsSync(ck));
  const fifo = join(dir, 'save-fifo');
  execFileSync('mkfifo', [fifo]);
  oneLineError(run(['train', ...small, '--steps', '5', '--save', fifo], { timeout: 30_000 }), 1, /--save .*save-fifo is a FIFO \(named pipe\), not a regular file/, 'FIFO');
  assert.ok(statSync(fifo).isFIFO(), 'the FIFO is still a FIFO');
  if (isRoot) {
    const dev = join(dir, 'null');
    execFileSync('mknod', [dev, 'c', '1', '3']);
    oneLineError(run(['train', ...small, '--steps', '5', '--save', dev]), 1, /is a character device, not a regular file/, 'device node');
    assert.ok(statSync(dev).isCharacterDevice(), 'the device node is still a device node');
  }
});

// Finding 6.
test('durability: sizes that cannot fit wasm memory are refused before allocating; special files at once', () => {
  // A small file declaring block_size 2,000,000 (embed 1, hidden 1): its data would be 18 GB.
  const wide = legacy('wide.st', (t, m) => {
    const V = t.C.shape[0];
    m.block_size = '2000000'; m.n_embed = '1'; m.n_hidden = '1';
    const f = (shape: number[]) => ({ dtype: 'F32' as const, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5) });
    Object.assign(t, { C: f([V, 1]), W1: f([2000000, 1]), b1: f([1]), W2: f([1, V]), b2: f([V]), bngain: f([1, 1]), bnbias: f([1, 1]), bnmean_running: f([1, 1]), bnstd_running: f([1, 1]) });
  });
  for (const args of [['eval', '--load', wide, '--data', tiny], ['train', '--resume', wide, '--data', tiny, '--steps', '200']]) {
    const t0 = performance.now();
    oneLineError(run(args), 1, /the checkpoint's sizes with this data need about \d+\.\d GiB of wasm memory \(.*block size 2000000/, args[0]);
    assert.ok(performance.now() - t0 < 20_000, 'refused before any work');
  }
  oneLineError(run(['train', ...small, '--steps', '5', '--hidden', '400000']), 1, /these sizes need about \d+\.\d GiB of wasm memory.*hidden 400000/, '--hidden 400000');
  oneLineError(run(['train', ...small, '--steps', '5', '--block-size', '5000000']), 1, /these sizes need about/, '--block-size 5000000');
  const fifo = join(dir, 'load-fifo');
  execFileSync('mkfifo', [fifo]);
  oneLineError(run(['sample', '--load', fifo], { timeout: 30_000 }), 1, /checkpoint .* is a FIFO \(named pipe\), not a regular file/, 'FIFO checkpoint');
  oneLineError(run(['train', '--data', fifo, '--steps', '5'], { timeout: 30_000 }), 1, /names file .* is a FIFO/, 'FIFO names');
  oneLineError(run(['sample', '--load', '/dev/zero'], { timeout: 30_000 }), 1, /checkpoint \/dev\/zero is a character device/, '/dev/zero');
  oneLineError(run(['eval', '--load', good, '--data', '/dev/urandom'], { timeout: 30_000 }), 1, /names file \/dev\/urandom is a character device/, '/dev/urandom');
});

test('durability: a download that is an HTML page is refused and nothing is saved', async () => {
  const { createServer } = await import('node:http');
  const server = createServer((_, res) => { res.setHeader('content-type', 'text/html'); res.end('<!doctype html>\n<title>Sign in</title>\n'); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const fresh = mkdtempSync(join(tmpdir(), 'wasmgrad-html-'));
  try {
    const child = spawn(process.execPath, ['--import', TSX, CLI, 'train', '--steps', '5'], { cwd: fresh, env: { ...process.env, WASMGRAD_NAMES_URL: `http://127.0.0.1:${(server.address() as { port: number }).port}/names.txt` } });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const code = await new Promise((r) => child.on('exit', r));
    assert.is(code, 1, err);
    assert.match(err, /is not a names list \(it looks like an HTML or XML page\); nothing was saved/);
    assert.not.ok(existsSync(join(fresh, 'names.txt')), 'no names.txt saved');
  } finally { server.close(); }
});

// Finding 7.
test('durability: a hostile vocabulary is refused, and nothing reaches the terminal raw', () => {
  const esc = legacy('esc.st', (_, m) => { const v = JSON.parse(m.vocab); v[1] = '\u001b'; m.vocab = JSON.stringify(v); });
  const r = run(['sample', '--load', esc, '--num', '50']);
  oneLineError(r, 1, /'vocab' entry 1 is "\\u001b", not a single printable character/, 'ESC in the vocabulary');
  assert.not.match(r.out + r.err, /\u001b/, 'no raw ESC');
  const dots = legacy('dots.st', (_, m) => { m.vocab = JSON.stringify(Array(JSON.parse(m.vocab).length).fill('.')); });
  oneLineError(run(['sample', '--load', dots]), 1, /has '\.' again at index 1/, 'all dots');
  // A file name holding an OSC "set title" sequence is echoed escaped.
  const e = run(['sample', '--load', join(dir, 'x\u001b]0;pwned\u0007.st')]);
  oneLineError(e, 1, /checkpoint not found: .*x\\x1b\]0;pwned\\x07\.st/, 'escaped path');
  assert.not.match(e.err, /[\u0007\u001b]/);
});

// Finding 8.
test('durability: eval never exits 0 on damaged weights: NaN refused, a flipped bit caught', () => {
  const nan = legacy('nan.st', (t) => { (t.W1.data as Float32Array)[3] = NaN; });
  for (const json of [[], ['--json']]) {
    const r = run(['eval', '--load', nan, '--data', tiny, ...json]);
    oneLineError(r, 1, /tensor 'W1' holds NaN at index 3/, `eval ${json}`);
    assert.not.match(r.out, /NaN|null/);
  }
  const flipped = join(dir, 'flipped.st');
  const b = Buffer.from(goodBytes); b[b.length - 7] ^= 0x10; // one bit of b2, the last tensor
  writeFileSync(flipped, b);
  oneLineError(run(['eval', '--load', flipped, '--data', tiny]), 1, /checkpoint is damaged: its contents do not match the checksum/, 'flipped bit');
  // Finite weights so large that the loss overflows: an error, not NaN.
  const huge = join(dir, 'huge.st');
  writeFileSync(huge, rewrite(goodBytes, (t) => { (t.W2.data as Float32Array).forEach((_, i, a) => { a[i] = i % 2 ? 3e38 : -3e38; }); }));
  oneLineError(run(['eval', '--load', huge, '--data', tiny]), 1, /train loss is NaN: its weights give non-finite values/, 'overflowing weights');
  oneLineError(run(['sample', '--load', huge]), 1, /non-finite probabilities .* cannot be sampled/, 'sampling overflowing weights');
});

// Finding 9.
test('durability: damaged generator state, --batch-size 1, NaN weights in sample and out of memory are user errors', () => {
  const gen = legacy('gen.st', (_, m) => { const g = JSON.parse(m.generator); g.seed = 'abc'; g.mt[0] = 'x'; m.generator = JSON.stringify(g); });
  const r = run(['train', '--resume', gen, '--data', tiny, '--steps', '200']);
  oneLineError(r, 1, /checkpoint metadata 'generator' has no valid seed/, 'damaged generator');
  const nan = legacy('nan2.st', (t) => { (t.C.data as Float32Array)[0] = NaN; });
  oneLineError(run(['sample', '--load', nan]), 1, /tensor 'C' holds NaN/, 'NaN weights in sample');
  oneLineError(run(['train', ...small, '--steps', '5', '--batch-size', '1']), 2, /--batch-size 1: batch norm needs at least 2 rows per step/, '--batch-size 1');
  const all = run(['train', ...small, '--steps', '5', '--hidden', '400000']);
  assert.not.match(all.err, /internal error/, 'out of memory is not an internal error');
});

// Finding 10 (minor): Object.prototype names; concurrent saves.
test('durability: tensors named __proto__ or constructor are refused', () => {
  for (const name of ['__proto__', 'constructor']) {
    const p = legacy(`${name}.st`, (t) => { Object.defineProperty(t, name, { value: { dtype: 'F32', shape: [2], data: new Float32Array(2) }, enumerable: true }); });
    oneLineError(run(['sample', '--load', p]), 1, new RegExp(`unexpected tensors: "${name}"`), name);
  }
});

test('durability: a second run saving to the path of a run in progress is refused at its start', async () => {
  const ck = join(dir, 'shared.st');
  const first = spawn(process.execPath, ['--import', TSX, CLI, 'train', ...small, '--steps', '100000000', '--save', ck], { cwd: dir });
  let err = '';
  first.stderr.on('data', (d) => { err += d; });
  await new Promise<void>((r) => { first.stdout.on('data', () => r()); setTimeout(r, 20000); });
  try {
    oneLineError(run(['train', ...small, '--steps', '10', '--save', ck]), 1, new RegExp(`--save .*shared\\.st is being written by another wasmgrad process \\(pid ${first.pid}\\)`), 'second run');
    assert.not.ok(existsSync(ck), 'the second run wrote nothing');
  } finally {
    first.kill('SIGINT');
    await new Promise((r) => first.on('exit', r));
  }
  assert.match(err, /saved checkpoint at step \d+/);
  assert.not.ok(existsSync(`${ck}.lock`), 'the lock goes with the run');
  assert.is(run(['train', ...small, '--steps', '10', '--save', ck]).code, 0, 'free again');
});

test.run();
