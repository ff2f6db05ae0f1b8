#!/usr/bin/env node
// npm pack's prepack: the JavaScript in dist/ without its comments and whitespace (esbuild
// rewrites each file; identifiers are kept, so stack traces still name the functions). The
// package ships the comments where a user reads them, in the .d.ts declarations; this keeps it
// under 1 MB installed (`npm run test:package` checks). dist/ is rebuilt by `npm run build:ts`.
// Usage: node tools/strip-comments.js DIR
import { transformSync } from 'esbuild';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir] = process.argv.slice(2);
if (!dir) { console.error('usage: node tools/strip-comments.js DIR'); process.exit(2); }
let before = 0, after = 0;
for (const f of readdirSync(dir, { recursive: true })) {
  if (!String(f).endsWith('.js')) continue;
  const path = join(dir, String(f));
  const code = readFileSync(path, 'utf8');
  const out = transformSync(code, { loader: 'js', format: 'esm', target: 'es2022', legalComments: 'none', minifyWhitespace: true, minifySyntax: true }).code;
  before += code.length; after += out.length;
  writeFileSync(path, out);
}
console.log(`strip-comments: ${dir}: ${before} -> ${after} bytes of JavaScript`);
