#!/usr/bin/env node
// `npm run web`: builds the page and serves web/dist/ on 127.0.0.1 with a tiny static server.
// By default it sends no special headers: single-threaded training needs no cross-origin
// isolation, and any static server works too. `--isolated` (or WASMGRAD_ISOLATED=1) adds
// `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`
// to every response, which makes the page cross-origin isolated: browsers then give it the
// shared memory that the page's "threads: 2" setting needs. Text and wasm go gzip-compressed to
// clients that accept it, as any static host sends them (the page's transfer budget counts that).
// Usage: npm run web [-- --port 8080] [-- --isolated]   (PORT=... also works; 0 picks a free port)
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPage } from './build.js';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.txt': 'text/plain; charset=utf-8', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
};

/** What goes compressed (everything the page fetches but images). */
const COMPRESS = new Set(['.html', '.js', '.css', '.wasm', '.txt', '.json', '.svg']);

/** The headers that make a page cross-origin isolated (crossOriginIsolated, SharedArrayBuffer). */
export const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** Serves `dir` on host:port (0 = a free port), with ISOLATION_HEADERS if `isolated`; resolves to { server, url }. */
export function serve(dir, { port = 0, host = '127.0.0.1', isolated = false } = {}) {
  const server = createServer(async (req, res) => {
    if (isolated) for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file = normalize(join(dir, path));
      if (file !== dir && !file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) { res.writeHead(403).end('forbidden'); return; }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      let body = await readFile(file);
      const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache', vary: 'accept-encoding' };
      if (COMPRESS.has(extname(file)) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        body = gzipSync(body, { level: 9 });
        headers['content-encoding'] = 'gzip';
      }
      headers['content-length'] = String(body.length);
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({ server, url: `http://${host}:${addr.port}/` });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--port');
  const port = Number(i > 0 ? process.argv[i + 1] : process.env.PORT ?? 8080);
  const isolated = process.argv.includes('--isolated') || /^(1|true|yes)$/i.test(process.env.WASMGRAD_ISOLATED ?? '');
  try {
    const { out } = await buildPage();
    let served;
    try {
      served = await serve(out, { port, isolated });
    } catch (e) {
      if (e.code !== 'EADDRINUSE') throw e;
      console.log(`port ${port} is busy; using a free one`);
      served = await serve(out, { port: 0, isolated });
    }
    if (!(await stat(join(out, 'names.txt')).catch(() => null))) {
      console.log('(no ./names.txt to serve: the page will ask for a names file)');
    }
    console.log(isolated
      ? '(cross-origin isolated: COOP/COEP headers sent, so the page offers 2 threads)'
      : '(no isolation headers: 1 thread; add --isolated for the 2-thread setting)');
    console.log(`\nwasmgrad page: ${served.url}   (Ctrl-C to stop)`);
  } catch (e) {
    console.error(`npm run web: ${e.message}`);
    process.exit(1);
  }
}
