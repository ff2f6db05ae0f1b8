#!/usr/bin/env node
// Builds the page into web/dist/: app.js (+ app.css) and worker.js bundled by esbuild, the
// html, the three release wasm builds and their -threads variants (the page's 2-thread setting),
// and ./names.txt when there is one (the page fetches it from its own folder). Checks the budget:
// what one visit transfers without names.txt (the html, css, scripts and the largest wasm build,
// since a visit fetches one; gzip-compressed, as web/serve.js and any static host send them) at
// most 300 KB. tests/browser/run.js measures the real transfer in chromium too.
// Usage: node web/build.js [outdir]
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const BUDGET = 300 * 1024;
const root = fileURLToPath(new URL('..', import.meta.url));
const WASM = ['simd', 'relaxed', 'scalar'].flatMap((b) => [b, `${b}-threads`]);

/** Builds the page into `out`; returns { files: [[name, bytes]], visitBytes }. Throws on failure. */
export async function buildPage(out = join(root, 'web/dist'), { quiet = false } = {}) {
  for (const b of WASM) {
    if (!existsSync(join(root, `build/${b}.wasm`))) throw new Error(`build/${b}.wasm is missing: run \`npm run build\` first`);
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: { app: join(root, 'web/app.ts'), worker: join(root, 'web/worker.ts') },
    outdir: out, bundle: true, splitting: true, format: 'esm', minify: true, target: 'es2022', platform: 'browser',
    sourcemap: false, legalComments: 'none', logLevel: quiet ? 'error' : 'warning',
  });
  copyFileSync(join(root, 'web/index.html'), join(out, 'index.html'));
  for (const b of WASM) copyFileSync(join(root, `build/${b}.wasm`), join(out, `${b}.wasm`));
  if (existsSync(join(root, 'names.txt'))) copyFileSync(join(root, 'names.txt'), join(out, 'names.txt'));
  const files = readdirSync(out).sort().map((f) => [f, statSync(join(out, f)).size]);
  const gz = (f) => gzipSync(readFileSync(join(out, f)), { level: 9 }).length;
  const scripts = files.map(([f]) => f).filter((f) => /\.(js|css|html)$/.test(f));
  const visitBytes = scripts.reduce((s, f) => s + gz(f), 0) + Math.max(...WASM.map((b) => gz(`${b}.wasm`)));
  if (!quiet) {
    for (const [f, n] of files) console.log(`  ${f.padEnd(24)} ${String(n).padStart(8)} bytes`);
    console.log(`one visit transfers at most ${visitBytes} bytes gzip-compressed without names.txt (${(visitBytes / 1024).toFixed(1)} KB of the ${BUDGET / 1024} KB budget)`);
  }
  if (visitBytes > BUDGET) throw new Error(`a visit to the page transfers ${visitBytes} bytes (gzip), over the ${BUDGET}-byte budget`);
  return { files, visitBytes, out };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildPage(process.argv[2]).catch((e) => { console.error(`web build failed: ${e.message}`); process.exit(1); });
}
