// The docs keep up with the code: every op of the table and every export of the library is
// named in the README's API section, and every file CONTRIBUTING.md points to exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, existsSync } from 'node:fs';
import * as lib from '../src/index.ts';
import { table } from '../src/ops/table.ts';

const root = new URL('..', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const start = readme.indexOf('### API');
const api = readme.slice(start, readme.indexOf('\n#', start + 1));
const named = (name: string) => new RegExp(`(^|[^\\w])${name.replace(/[$_]/g, '\\$&')}(?![\\w])`).test(api);

test('docs: the README API section names every op of the table', () => {
  assert.ok(start > 0, 'README has an ### API section');
  const missing = Object.keys(table).filter((name) => !named(name));
  assert.equal(missing, [], `ops missing from README's API section: ${missing.join(', ')}`);
});

test('docs: the README API section names every export, nn layer, optimizer and scheduler', () => {
  const names = [
    ...Object.keys(lib).filter((k) => !['nn', 'optim', 'F'].includes(k)),
    ...Object.keys(lib.nn).filter((k) => !['init', 'utils'].includes(k)), ...Object.keys(lib.nn.init), ...Object.keys(lib.nn.utils),
    ...Object.keys(lib.optim).filter((k) => !['lrScheduler', 'Optimizer'].includes(k)),
    ...Object.keys(lib.optim.lrScheduler).filter((k) => k !== 'LRScheduler'),
  ];
  const missing = names.filter((name) => !named(name));
  assert.equal(missing, [], `exports missing from README's API section: ${missing.join(', ')}`);
});

test('docs: every path CONTRIBUTING.md points to exists', () => {
  const text = readFileSync(new URL('CONTRIBUTING.md', root), 'utf8');
  const paths = [...text.matchAll(/`((?:assembly|src|tests|tools)\/[\w./-]+\.(?:ts|py|js|mjs))`/g)].map((m) => m[1]);
  assert.ok(paths.length >= 10, `found ${paths.length} paths`);
  const missing = paths.filter((p) => !existsSync(new URL(p, root)));
  assert.equal(missing, [], `CONTRIBUTING.md points to missing files: ${missing.join(', ')}`);
});

test.run();
