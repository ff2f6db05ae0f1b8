// The CLI as a user meets it, run as a child process: help, the JSON contract, checkpoints,
// exact resume, and bad input (one line on stderr, exit 2 for usage and 1 for runtime errors,
// no stack trace, nothing written at the --save path).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, TSX, runCli, oneLineError } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-cli-'));
const run = (args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) => runCli(args, { cwd: dir, ...opts });

const tiny = join(dir, 'tiny.txt');
writeFileSync(tiny, Array.from({ length: 400 }, (_, i) => ['ann', 'bob', 'cara', 'dave', 'emma', 'finn', 'gus', 'hana'][i % 8] + 'abcdefghij'[i % 10]).join('\n') + '\n');
const small = ['--data', tiny, '--hidden', '16', '--embed', '4', '--batch-size', '8', '--samples', '3'];

test('cli: --help, command help and --version', () => {
  const h = run(['--help']);
  assert.is(h.code, 0); assert.match(h.out, /wasmgrad train/); assert.match(h.out, /wasmgrad sample/);
  const t = run(['train', '--help']);
  assert.is(t.code, 0); assert.match(t.out, /--lr-decay-at/); assert.match(t.out, /--resume/);
  assert.match(run(['eval', '--help']).out, /--split/);
  assert.match(run(['sample', '--help']).out, /--num/);
  assert.match(run(['--version']).out, /^\d+\.\d+\.\d+/);
  for (const command of ['train', 'sample', 'eval']) {
    const r = run(['help', command]);
    assert.is(r.code, 0, r.err);
    assert.is(r.out, run([command, '--help']).out, `help ${command} is ${command} --help`);
  }
  oneLineError(run(['help', 'frobnicate']), 2, /help: no command 'frobnicate'/, 'help of an unknown command');
});

test('cli: under `npm start`, flags npm kept for itself get one line saying how to pass them', () => {
  // `npm start --data FILE`: npm takes --data (npm_config_data=true) and passes FILE on alone.
  const npm = { npm_lifecycle_event: 'start', npm_config_data: 'true' };
  oneLineError(run(['train', '/x/names.txt'], { env: npm }), 2, /npm kept --data for itself .*run `npm start -- --data \/x\/names\.txt`/, 'npm start --data FILE');
  oneLineError(run(['train'], { env: { npm_lifecycle_event: 'start', npm_config_json: 'true' } }), 2, /npm kept --json .*`npm start -- --json`/, 'npm start --json');
  oneLineError(run(['train'], { env: { npm_lifecycle_event: 'start', npm_config_batchnorm: 'false' } }), 2, /`npm start -- --no-batchnorm`/, 'npm start --no-batchnorm');
});

test('cli: usage errors exit 2 with one line', () => {
  oneLineError(run(['frobnicate']), 2, /unknown command 'frobnicate'/, 'unknown command');
  oneLineError(run(['train', '--frob']), 2, /unknown option '--frob'/, 'unknown flag');
  for (const [flag, value] of [['--steps', '-1'], ['--steps', 'abc'], ['--steps', '1.5'], ['--batch-size', '0'], ['--hidden', '0'], ['--hidden', 'x'],
    ['--embed', '-3'], ['--block-size', '0'], ['--lr', '0'], ['--lr', '-0.1'], ['--lr', 'fast'], ['--seed', '-1'], ['--seed', 'abc'], ['--samples', '-2']]) {
    oneLineError(run(['train', flag, value]), 2, new RegExp(`${flag} must be`), `${flag} ${value}`);
  }
  oneLineError(run(['sample', '--load', 'x', '--num', '0']), 2, /--num must be/, 'sample --num 0');
  oneLineError(run(['sample']), 2, /--load FILE is required/, 'sample without --load');
  oneLineError(run(['eval', '--load', 'x', '--split', 'dev']), 2, /--split must be/, 'eval --split dev');
  oneLineError(run(['train', '--build', 'fast']), 2, /--build must be simd, relaxed or scalar, got 'fast'/, '--build fast');
  oneLineError(run(['train', '--strict', '--build', 'scalar']), 2, /--strict is the simd build/, '--strict with --build scalar');
});

test('cli: --strict runs the simd build, --build picks one, and the JSON says which', () => {
  const build = (args: string[]) => {
    const r = run(['train', ...small, '--steps', '20', '--samples', '0', '--json', ...args]);
    assert.is(r.code, 0, r.err);
    return JSON.parse(r.out);
  };
  const strict = build(['--strict']), scalar = build(['--build', 'scalar']), simd = build(['--build', 'simd']);
  assert.is(strict.build, 'simd');
  assert.is(scalar.build, 'scalar');
  assert.equal(strict.log, simd.log, '--strict is --build simd, step for step');
  const info = run(['train', ...small, '--steps', '0', '--samples', '0', '--strict']);
  assert.match(info.out, /build simd/);
  assert.match(info.out, /^train \d+\.\d+\nval \d+\.\d+\ntest \d+\.\d+$/m, '--steps 0 evaluates the untrained model');
});

test('cli: bad data exits 1 with one line and writes no checkpoint', () => {
  const save = join(dir, 'never.safetensors');
  const cases: [string, string | Buffer, RegExp][] = [
    ['empty.txt', '', /empty/],
    ['blank.txt', '\n\n  \n', /no names/],
    ['binary.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0xff, 0xfe]), /binary|not UTF-8|control/],
    ['dot.txt', 'ann\nbo.b\ncara\n', /contains '\.'/],
    ['few.txt', 'ann\nbob\ncara\n', /too few names/],
  ];
  for (const [file, content, pattern] of cases) {
    writeFileSync(join(dir, file), content);
    oneLineError(run(['train', '--data', join(dir, file), '--steps', '10', '--save', save]), 1, pattern, file);
    assert.not.ok(existsSync(save), `${file}: nothing at the --save path`);
  }
  oneLineError(run(['train', '--data', join(dir, 'missing.txt')]), 1, /names file not found/, 'missing file');
  writeFileSync(join(dir, 'seven.txt'), 'annabel\nbob\ncara\ndave\nemma\nfinn\ngus\n');
  oneLineError(run(['train', '--data', join(dir, 'seven.txt'), '--steps', '5']), 1, /fewer than the batch size 32/, 'fewer examples than the batch');
  oneLineError(run(['train', ...small, '--steps', '300', '--lr', '1e30', '--save', save]), 1, /loss became (NaN|Infinity|-Infinity) at step \d+.*lower --lr/, 'diverging loss');
  assert.not.ok(existsSync(save), 'diverged run: nothing at the --save path');
  // A loss that stays finite but huge (1e9 and more) is divergence too.
  oneLineError(run(['train', ...small, '--steps', '3000', '--lr', '1e9', '--save', save]), 1, /loss averaged .* over the 250 steps to step \d+.*training diverged; try a lower --lr/, 'finite but exploding loss');
  assert.not.ok(existsSync(save), 'exploded run: nothing at the --save path');
});

test('cli: a --save or --plot target that cannot be written is refused before training starts', () => {
  const long = join(dir, 'x'.repeat(300) + '.safetensors');
  const cases: [string, string, RegExp][] = [
    ['--save', join(dir, 'nodir') + '/', /ends with '\/', so it names a folder/],
    ['--save', long, /file name is too long/],
    ['--plot', long.replace(/safetensors$/, 'svg'), /file name is too long/],
    ['--save', join(dir, 'no/such/dir/x.st'), /does not exist/],
  ];
  for (const [flag, path, pattern] of cases) {
    const r = run(['train', ...small, '--steps', '50000', flag, path]);
    oneLineError(r, 1, pattern, `${flag} ${path.slice(-40)}`);
    assert.is(r.out, '', `${flag}: refused before anything ran`);
  }
});

test('cli: bad checkpoints exit 1 with one line', () => {
  const files: [string, Buffer, RegExp][] = [
    ['random.st', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919) % 256)), /header|checkpoint/],
    ['json.st', Buffer.from('{"C": [1, 2, 3]}'), /header|checkpoint/],
    ['absurd.st', Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x40]), Buffer.alloc(64)]), /header/],
    ['short.st', Buffer.from([1, 2, 3]), /truncated|too short|bytes/],
  ];
  for (const [name, bytes, pattern] of files) {
    writeFileSync(join(dir, name), bytes);
    oneLineError(run(['sample', '--load', join(dir, name)]), 1, pattern, name);
    oneLineError(run(['eval', '--load', join(dir, name), '--data', tiny]), 1, pattern, `eval ${name}`);
  }
  oneLineError(run(['sample', '--load', join(dir, 'nope.st')]), 1, /checkpoint not found/, 'missing checkpoint');
});

test('cli: train --json ends stdout with the results object; save, eval and sample use the checkpoint', () => {
  const ck = join(dir, 'small.safetensors');
  const r = run(['train', ...small, '--steps', '400', '--json', '--save', ck]);
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out); // stdout is exactly one JSON document: `| jq` works
  assert.match(r.err, /^\s+0\/ {4}400: \d/m, 'the run lines went to stderr');
  assert.ok(Array.isArray(j.splits.train) && j.splits.train[1] === 3, 'splits');
  const V = new Set(readFileSync(tiny, 'utf8').replace(/\n/g, '')).size + 1; // + '.'
  assert.is(j.params, V * 4 + 12 * 16 + 16 + 16 * V + V + 2 * 16, 'C + W1 + b1 + W2 + b2 + bngain + bnbias');
  assert.is(j.log[0][0], 0);
  for (const k of ['train', 'val', 'test']) assert.ok(j.final[k] > 0 && j.final[k] < 4, `final ${k}`);
  assert.is(j.samples.length, 3);
  assert.ok(j.seconds > 0 && j.usPerStep > 0, 'timing');
  assert.ok(['simd', 'relaxed', 'scalar'].includes(j.build), 'build');
  assert.ok(existsSync(ck), 'checkpoint written');
  const e = run(['eval', '--load', ck, '--data', tiny, '--json']);
  assert.is(e.code, 0, e.err);
  const ej = JSON.parse(e.out);
  assert.equal(ej, j.final, "eval's losses are train's final ones");
  const s = run(['sample', '--load', ck, '--num', '3', '--json']);
  assert.is(s.code, 0, s.err);
  assert.equal(JSON.parse(s.out).samples, j.samples, 'sample --load gives the same names as train');
});

test('cli: --resume FILE takes the run\'s settings from the checkpoint and gives an uninterrupted run\'s numbers', () => {
  const half = join(dir, 'half.safetensors'), whole = join(dir, 'whole.safetensors');
  const flags = [...small, '--lr-decay-at', '300', '--json'];
  const a = run(['train', ...flags, '--steps', '500', '--save', whole]);
  assert.is(a.code, 0, a.err);
  assert.is(run(['train', ...flags, '--steps', '250', '--save', half]).code, 0);
  // Only the data, the checkpoint and how far to go: sizes, batch size and schedule are the checkpoint's.
  const b = run(['train', '--data', tiny, '--samples', '3', '--json', '--steps', '500', '--resume', half]);
  assert.is(b.code, 0, b.err);
  const ja = JSON.parse(a.out), jb = JSON.parse(b.out);
  assert.equal(jb.final, ja.final, 'final losses identical');
  assert.equal(jb.samples, ja.samples, 'samples identical');
  assert.match(b.err, /keeping the checkpoint's learning-rate schedule \(0\.1 before step 300, then 0\.01\)/, 'says the schedule is kept');
  // Repeating the checkpoint's own values is no override.
  const same = run(['train', ...flags, '--steps', '500', '--resume', half]);
  assert.is(same.code, 0, same.err);
  assert.not.match(same.err, /overrides/);
  assert.equal(JSON.parse(same.out).final, ja.final);
  // A learning rate or batch size that differs is used, and said.
  const c = run(['train', '--data', tiny, '--samples', '3', '--json', '--steps', '500', '--resume', half, '--lr', '0.05', '--batch-size', '16']);
  assert.is(c.code, 0, c.err);
  assert.match(c.err, /note: --batch-size 16 overrides the checkpoint's 8/);
  assert.match(c.err, /note: --lr 0\.05 overrides the checkpoint's 0\.1/);
  assert.not.equal(JSON.parse(c.out).final, ja.final, 'the override changed the run');
  // What cannot change, and what there is nothing left to do for, are usage errors.
  oneLineError(run(['train', ...flags, '--steps', '100', '--resume', whole]), 2, /already at step 500/, 'resume below the checkpoint step');
  oneLineError(run(['train', '--data', tiny, '--resume', whole]), 2, /has finished its 500 steps; pass --steps above 500/, 'resume of a finished run');
  oneLineError(run(['train', ...flags, '--hidden', '32', '--steps', '600', '--resume', whole]), 2, /--hidden 32 does not match the checkpoint's 16/, 'resume with other sizes');
  oneLineError(run(['train', '--data', tiny, '--seed', '7', '--steps', '600', '--resume', whole]), 2, /--seed 7 does not match the checkpoint's 42/, 'resume with another seed');
  oneLineError(run(['train', '--data', tiny, '--no-batchnorm', '--steps', '600', '--resume', whole]), 2, /has batch norm; drop --no-batchnorm/, 'resume without batch norm');
});

test('cli: damaged or mismatched checkpoints, and --debug for bug reports', () => {
  const ck = join(dir, 'small.safetensors');
  const bytes = readFileSync(ck);
  writeFileSync(join(dir, 'cut.st'), bytes.subarray(0, Math.floor(bytes.length / 2)));
  oneLineError(run(['sample', '--load', join(dir, 'cut.st')]), 1, /truncated|bytes|offsets/, 'checkpoint cut in half');
  writeFileSync(join(dir, 'other.txt'), Array.from({ length: 60 }, (_, i) => 'xyzw'.slice(i % 3) + 'q').join('\n'));
  oneLineError(run(['eval', '--load', ck, '--data', join(dir, 'other.txt')]), 1, /characters .* differ/, 'checkpoint from other data');
  const d = run(['sample', '--load', join(dir, 'cut.st'), '--debug']);
  assert.is(d.code, 1);
  assert.match(d.err, /\n\s+at /, '--debug prints the stack');
});

test('cli: a missing default names.txt is downloaded; offline it says what to do', async () => {
  const { createServer } = await import('node:http');
  const server = createServer((_, res) => res.end(readFileSync(tiny)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const fresh = mkdtempSync(join(tmpdir(), 'wasmgrad-dl-'));
  try {
    const child = spawn(process.execPath, ['--import', TSX, CLI, 'train', '--steps', '20', '--hidden', '8', '--batch-size', '8', '--samples', '1'],
      { cwd: fresh, env: { ...process.env, WASMGRAD_NAMES_URL: `http://127.0.0.1:${port}/names.txt` } });
    let err = '';
    child.stderr.on('data', (x) => { err += x; });
    const code = await new Promise((r) => child.on('exit', r));
    assert.is(code, 0, err);
    assert.match(err, /downloading makemore's names.txt/);
    assert.equal(readFileSync(join(fresh, 'names.txt')), readFileSync(tiny));
  } finally { server.close(); }
  // Offline: a port nobody listens on. The progress line comes first, then the one error line.
  const offline = mkdtempSync(join(tmpdir(), 'wasmgrad-off-'));
  const r = run(['train', '--steps', '5'], { cwd: offline, env: { WASMGRAD_NAMES_URL: `http://127.0.0.1:${port}/names.txt` } });
  assert.is(r.code, 1);
  const lines = r.err.trim().split('\n');
  assert.is(lines.length, 2, r.err);
  assert.match(lines[1], /^wasmgrad: could not download names\.txt \(.*\); are you offline\? .*--data FILE$/);
  assert.not.ok(existsSync(join(offline, 'names.txt')), 'no half-written names.txt');
});

test('cli: --plot writes an SVG of the loss curve', () => {
  const svg = join(dir, 'loss.svg');
  const r = run(['train', ...small, '--steps', '1200', '--plot', svg]);
  assert.is(r.code, 0, r.err);
  const text = readFileSync(svg, 'utf8');
  assert.match(text, /^<svg/);
  assert.match(text, /log10\(loss\)/);
  assert.match(r.out, /log10\(loss\), mean of every/, 'terminal chart');
});

test.run();
