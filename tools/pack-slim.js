#!/usr/bin/env node
// npm pack's prepack, to keep the package under 1 MB installed (`npm run test:package` checks):
// the JavaScript in DIR minified by esbuild (keepNames: functions and classes keep their names,
// which error messages and stack traces show); the .d.ts files in DIR that no type of the
// package's exports reaches removed (nothing can import them); the doc comments of the generated
// kernel declarations (FILE.d.ts, e.g. build/simd.d.ts: each parameter's wasm type) dropped. The
// comments a user reads stay, in dist's declarations. `npm run build` makes everything again.
// Usage: node tools/pack-slim.js DIR [FILE.d.ts ...]
import { transformSync } from 'esbuild';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const [dir, ...decls] = process.argv.slice(2);
if (!dir) { console.error('usage: node tools/pack-slim.js DIR [FILE.d.ts ...]'); process.exit(2); }
let before = 0, after = 0;
for (const f of readdirSync(dir, { recursive: true })) {
  if (!String(f).endsWith('.js')) continue;
  const path = join(dir, String(f));
  const code = readFileSync(path, 'utf8');
  const out = transformSync(code, { loader: 'js', format: 'esm', target: 'es2022', legalComments: 'none', minify: true, keepNames: true }).code;
  before += code.length; after += out.length;
  writeFileSync(path, out);
}
for (const path of decls) {
  const text = readFileSync(path, 'utf8');
  const out = text.replace(/^\s*\/\*\*[\s\S]*?\*\/\n/gm, '');
  before += text.length; after += out.length;
  writeFileSync(path, out);
}
// Declarations reachable from the exports' types (their relative imports, transitively).
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const roots = Object.values(pkg.exports).flatMap((e) => (typeof e === 'object' && e.types ? [normalize(e.types)] : []));
const reached = new Set();
for (const queue = [...roots]; queue.length;) {
  const f = queue.pop();
  if (reached.has(f) || !existsSync(f)) continue;
  reached.add(f);
  for (const m of readFileSync(f, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
    queue.push(normalize(join(dirname(f), m[1])).replace(/\.(js|ts)$/, '').replace(/\.d$/, '') + '.d.ts');
  }
}
let removed = 0;
for (const f of readdirSync(dir, { recursive: true })) {
  const path = normalize(join(dir, String(f)));
  if (path.endsWith('.d.ts') && !reached.has(path)) { before += readFileSync(path).length; rmSync(path); removed++; }
}
if (!reached.size) throw new Error('pack-slim: no declarations reached from package.json exports');
console.log(`pack-slim: ${before} -> ${after} bytes; ${removed} unreachable declaration files removed`);
