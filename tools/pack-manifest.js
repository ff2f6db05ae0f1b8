#!/usr/bin/env node
// npm pack's prepack/postpack: the package a user installs has no `prepare` script (in a clone,
// `npm install` runs it to build everything; in an app that installs the tarball, npm 11 would
// warn about it, and there is nothing to build there). `strip` keeps the real package.json
// aside and writes it without that script; `restore` puts the real one back.
import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const manifest = fileURLToPath(new URL('../package.json', import.meta.url));
const kept = fileURLToPath(new URL('../.package.json.prepack', import.meta.url));
const [command] = process.argv.slice(2);

if (command === 'strip') {
  if (existsSync(kept)) renameSync(kept, manifest); // a pack that failed half-way left it aside
  const text = readFileSync(manifest, 'utf8');
  writeFileSync(kept, text);
  const pkg = JSON.parse(text);
  delete pkg.scripts.prepare;
  writeFileSync(manifest, JSON.stringify(pkg, null, 2) + '\n');
} else if (command === 'restore') {
  if (existsSync(kept)) renameSync(kept, manifest);
} else {
  console.error('usage: node tools/pack-manifest.js strip|restore');
  process.exit(2);
}
