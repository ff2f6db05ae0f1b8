#!/usr/bin/env node
// `npm run test:browser`: builds the page, serves it on 127.0.0.1, and drives Debian's chromium
// (playwright-core, no downloaded browsers) through a 2,000-step run on the strict simd build,
// paused once midway. The page's numbers must equal `wasmgrad train --steps 2000 --json` under
// Node to the last digit; bad files must show an error and leave the worker usable. Screenshots
// go to test-results/. Ends with "browser: N passed, N failed"; exits 1 on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildPage } from '../../web/build.js';
import { serve } from '../../web/serve.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const results = join(root, 'test-results');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--no-first-run'];
const STEPS = 2000;

let passed = 0, failed = 0;
/** Records one check; `detail` is printed either way, `why` (default: detail) only on failure. */
function check(name, ok, detail = '', why = detail) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? (detail ? ` (${detail})` : '') : `: ${why}`}`);
  if (ok) passed++; else failed++;
  return ok;
}
function finish() {
  console.log(`\nbrowser: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

mkdirSync(results, { recursive: true });
if (!check('chromium present', existsSync(CHROMIUM), '', `${CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM=path)`)) finish();
if (!check('names.txt present', existsSync(join(root, 'names.txt')), '', 'copy ../shared/data/names.txt to ./names.txt')) finish();

// What Node says for the same settings on the same build.
const cli = spawnSync(process.execPath, ['dist/cli.js', 'train', '--steps', String(STEPS), '--json'], {
  cwd: root, encoding: 'utf8', env: { ...process.env, WASMGRAD_BUILD: 'simd' },
});
let want;
try { want = JSON.parse(cli.stdout.trim().split('\n').pop()); } catch { /* reported below */ }
if (!check('the CLI ran (reference numbers)', !!want && want.build === 'simd', want ? `train ${want.final.train}` : '', cli.stderr.trim() || 'no JSON from dist/cli.js (run `npm run build`)')) finish();

const typed = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'web/tsconfig.json'], { cwd: root, encoding: 'utf8' });
check('web/ type-checks (no Node types in the page or the library)', typed.status === 0, '', typed.stdout.trim());

let page, context, server, profile;
try {
  const built = await buildPage(undefined, { quiet: true });
  check('page within budget', built.codeBytes <= 300 * 1024, `${built.codeBytes} bytes of JavaScript + wasm`);
  const served = await serve(built.out);
  server = served.server;
  profile = mkdtempSync(join(tmpdir(), 'wasmgrad-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 1000 } });
  page = context.pages()[0] ?? await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });

  await page.goto(`${served.url}?build=simd`);
  await page.waitForSelector('body[data-state=ready]', { timeout: 20_000 });
  await page.waitForFunction(() => !document.getElementById('start').disabled, null, { timeout: 20_000 });
  check('build shown', (await page.textContent('#build')).includes('simd'), await page.textContent('#build'));
  check('names.txt fetched from the page folder', (await page.textContent('#dataStatus')).includes('32,033 names'), await page.textContent('#dataStatus'));

  // Start, pause as soon as a quarter of the run is done (the observer clicks in the same task
  // as the progress update), check the pause held, then resume to the end.
  await page.fill('#steps', String(STEPS));
  await page.evaluate((quarter) => {
    const obs = new MutationObserver(() => {
      if (Number(document.body.dataset.step ?? 0) >= quarter) { obs.disconnect(); document.getElementById('pause').click(); }
    });
    obs.observe(document.body, { attributes: true, attributeFilter: ['data-step'] });
  }, STEPS / 4);
  await page.click('#start');
  await page.waitForSelector('body[data-state=paused], body[data-state=finished]', { timeout: 60_000 });
  const pausedAt = Number(await page.getAttribute('body', 'data-step'));
  const pausedState = await page.getAttribute('body', 'data-state');
  check('Pause stops the worker midway', pausedState === 'paused' && pausedAt > 0 && pausedAt < STEPS, `${pausedState} at step ${pausedAt}`);
  await page.waitForTimeout(300);
  check('nothing runs while paused', Number(await page.getAttribute('body', 'data-step')) === pausedAt);
  if (pausedState === 'paused') await page.click('#start');
  await page.waitForSelector('body[data-state=finished]', { timeout: 120_000 });

  const firstMs = Number(await page.getAttribute('body', 'data-first-step-ms'));
  check('first step within 1 s of Start', firstMs < 1000, `${firstMs} ms`);
  const loss0 = await page.getAttribute('#loss0', 'data-value');
  check('seeded step-0 loss equals the CLI\'s', loss0 === String(want.log[0][1]), `page ${loss0}, CLI ${want.log[0][1]}`);
  const final = await page.$eval('#resultsBody', (el) => ({ train: el.dataset.train, val: el.dataset.val, test: el.dataset.test }));
  check('train/val/test losses after 2,000 steps equal the CLI\'s', final.train === String(want.final.train) && final.val === String(want.final.val) && final.test === String(want.final.test),
    `page ${JSON.stringify(final)}, CLI ${JSON.stringify(want.final)}`);
  check('the loss fell below 2.6', Number(final.train) < 2.6 && Number(final.val) < 2.6, `train ${final.train}, val ${final.val}`);
  const samples = await page.$$eval('#samples li', (els) => els.map((e) => e.textContent));
  check('samples appeared', samples.length === 20 && samples.every((s) => s.length > 0), samples.join(' '));
  check('samples equal the CLI\'s', samples.join(' ') === want.samples.map((s) => s.replace(/\.$/, '')).join(' '), `page ${samples.slice(0, 5).join(' ')}..., CLI ${want.samples.slice(0, 5).join(' ')}...`);
  const rate = Number(await page.getAttribute('#rate', 'data-value'));
  check('steps/s shown', rate > 0, `${rate} steps/s on the simd build`);
  // uPlot draws on a canvas: look for the running mean's red among its pixels.
  const red = await page.$eval('#chart canvas', (c) => {
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] > 180 && px[i + 1] < 80 && px[i + 2] < 80) n++;
    return n;
  });
  check('loss chart drawn', red > 200, `${red} pixels of the running mean`);
  await page.screenshot({ path: join(results, 'page.png'), fullPage: true });
  console.log(`     screenshot: test-results/page.png`);

  // Bad files: a readable message on the page, and the worker still answers afterwards.
  const upload = async (name, buffer) => {
    await page.evaluate(() => { const e = document.getElementById('error'); e.textContent = ''; e.classList.remove('show'); });
    await page.setInputFiles('#file', { name, mimeType: 'text/plain', buffer });
    await page.waitForSelector('#error.show', { timeout: 10_000 });
    return page.textContent('#error');
  };
  const empty = await upload('empty.txt', Buffer.alloc(0));
  check('an empty file shows an error', /empty/.test(empty), empty);
  await page.screenshot({ path: join(results, 'page-error.png') });
  const binary = await upload('image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0xff, 0xfe]));
  check('a binary file shows an error', /binary|control character|UTF-8/.test(binary), binary);
  const dotted = await upload('dots.txt', Buffer.from('emma\nolivia\nava.\n'));
  check('a name with \'.\' shows an error', /contains '\.'/.test(dotted), dotted);
  await page.setInputFiles('#file', { name: 'six.txt', mimeType: 'text/plain', buffer: Buffer.from('emma\nolivia\nava\nisabella\nsophia\nmia\n') });
  await page.waitForFunction(() => document.getElementById('dataStatus').textContent.startsWith('six.txt'), null, { timeout: 10_000 });
  check('the worker still works after bad files', true, await page.textContent('#dataStatus'));

  // A small file trains end to end after Reset (batch 4: six names make 21 training examples).
  await page.click('#reset');
  await page.waitForSelector('body[data-state=ready]', { timeout: 20_000 });
  await page.fill('#steps', '300');
  await page.fill('#batchSize', '4');
  await page.click('#start');
  await page.waitForSelector('body[data-state=finished]', { timeout: 60_000 });
  check('a dropped-in file trains after Reset', (await page.$$('#samples li')).length === 20);
  // Bad settings: a message, and the page stays ready for a corrected try.
  await page.click('#reset');
  await page.waitForSelector('body[data-state=ready]', { timeout: 20_000 });
  await page.fill('#nHidden', '0');
  await page.click('#start');
  await page.waitForSelector('#error.show', { timeout: 10_000 });
  const bad = await page.textContent('#error');
  check('bad settings show an error', /hidden units must be/.test(bad), bad);
  await page.waitForSelector('body[data-state=ready]', { timeout: 10_000 });
  check('no errors in the page console', pageErrors.length === 0, pageErrors.join('; '));
} catch (e) {
  check('browser run', false, e.stack ?? String(e));
  if (page) await page.screenshot({ path: join(results, 'page-failure.png'), fullPage: true }).catch(() => {});
} finally {
  await context?.close().catch(() => {});
  server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
}
finish();
