// A fresh clone has no names.txt: every test file that uses it must then pass or report its
// tests as skipped (uvu's "Skipped" count), and download nothing. This runs those files again
// from an empty folder, with the download pointed at a closed port.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const UVU = join(ROOT, 'node_modules', 'uvu', 'bin.js');

const files = (readdirSync(join(ROOT, 'tests'), { recursive: true }) as string[])
  .filter((f) => f.endsWith('.test.ts') && !f.endsWith('no_names.test.ts'))
  .filter((f) => /helpers\/names\.ts/.test(readFileSync(join(ROOT, 'tests', f), 'utf8')));

test('no names.txt: the files that use it pass with their names.txt tests counted as skipped', () => {
  assert.ok(files.length >= 5, `found ${files.join(', ')}`);
  const empty = mkdtempSync(join(tmpdir(), 'wasmgrad-nonames-'));
  const pattern = `(${files.map((f) => f.replace(/[.]/g, '\\.')).join('|')})$`;
  const r = spawnSync(process.execPath, ['--import', TSX, UVU, 'tests', pattern, '-C', ROOT], {
    cwd: empty, encoding: 'utf8', env: { ...process.env, WASMGRAD_NAMES_URL: 'http://127.0.0.1:9/names.txt', FORCE_COLOR: '0' },
  });
  const out = r.stdout.replace(/\x1b\[[0-9;]*m/g, '');
  const count = (what: string) => Number(new RegExp(`${what}:\\s+(\\d+)`).exec(out)?.[1] ?? NaN);
  assert.is(r.status, 0, `exit ${r.status}\n${out.slice(-3000)}\n${r.stderr.slice(-2000)}`);
  assert.ok(count('Skipped') >= files.length, `skipped ${count('Skipped')}:\n${out.slice(-1500)}`);
  assert.is(count('Passed'), count('Total'), out.slice(-1500)); // uvu's Total leaves the skipped out
  assert.match(out, /skipping tests that needs? \.\/names\.txt/);
  assert.not.match(out + r.stderr, /shared\//, 'no hint points at a folder a clone does not have');
  assert.not.ok(existsSync(join(empty, 'names.txt')), 'nothing was downloaded');
  console.log(`  ${files.length} files (${files.map((f) => relative('.', f)).join(', ')}): ${count('Passed')} passed, ${count('Skipped')} skipped`);
});

test.run();
