#!/usr/bin/env node
// `npm run web`: builds the page and serves web/dist/ on 127.0.0.1 with a tiny static server
// (no special headers: the page needs no cross-origin isolation). Any static server works too.
// Usage: npm run web [-- --port 8080]     (PORT=... also works; 0 picks a free port)
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPage } from './build.js';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.txt': 'text/plain; charset=utf-8', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
};

/** Serves `dir` on host:port (0 = a free port); resolves to { server, url }. */
export function serve(dir, { port = 0, host = '127.0.0.1' } = {}) {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file = normalize(join(dir, path));
      if (file !== dir && !file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) { res.writeHead(403).end('forbidden'); return; }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
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
  try {
    const { out } = await buildPage();
    let served;
    try {
      served = await serve(out, { port });
    } catch (e) {
      if (e.code !== 'EADDRINUSE') throw e;
      console.log(`port ${port} is busy; using a free one`);
      served = await serve(out, { port: 0 });
    }
    if (!(await stat(join(out, 'names.txt')).catch(() => null))) {
      console.log('(no ./names.txt to serve: the page will ask for a names file)');
    }
    console.log(`\nwasmgrad page: ${served.url}   (Ctrl-C to stop)`);
  } catch (e) {
    console.error(`npm run web: ${e.message}`);
    process.exit(1);
  }
}
