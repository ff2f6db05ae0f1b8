#!/usr/bin/env node
// `npm run test:browser`: builds the page, serves it on 127.0.0.1, and drives Debian's chromium
// (playwright-core, no downloaded browsers) through a 2,000-step run on the strict simd build,
// paused once midway. The page's numbers must equal `wasmgrad train --steps 2000 --json` under
// Node to the last digit; bad files must show an error and leave the worker usable. Without
// isolation headers the page offers 1 thread only; served with them (serve.js --isolated) it
// trains on 2 threads, paused once too, with the same numbers as 1 thread. Screenshots go to
// test-results/. Ends with "browser: N passed, N failed"; exits 1 on any failure.
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

/**
 * Trains `steps` steps on the page from Start to the end, pausing once a quarter of the way (the
 * observer clicks in the same task as the progress update) and resuming after checking that the
 * pause held; records the loss of every progress update. Returns what the page shows.
 */
async function trainOnPage(page, steps) {
  await page.fill('#steps', String(steps));
  await page.evaluate((quarter) => {
    window.progressLosses = [];
    const obs = new MutationObserver(() => {
      const step = Number(document.body.dataset.step ?? 0);
      window.progressLosses.push([step, document.getElementById('loss').dataset.value]);
      if (quarter && step >= quarter) { quarter = 0; document.getElementById('pause').click(); }
    });
    obs.observe(document.body, { attributes: true, attributeFilter: ['data-step'] });
  }, steps / 4);
  await page.click('#start');
  await page.waitForSelector('body[data-state=paused], body[data-state=finished]', { timeout: 60_000 });
  const pausedAt = Number(await page.getAttribute('body', 'data-step'));
  const pausedState = await page.getAttribute('body', 'data-state');
  await page.waitForTimeout(300);
  const heldAt = Number(await page.getAttribute('body', 'data-step'));
  if (pausedState === 'paused') await page.click('#start');
  await page.waitForSelector('body[data-state=finished]', { timeout: 120_000 });
  return {
    pausedAt, pausedState, heldAt,
    firstMs: Number(await page.getAttribute('body', 'data-first-step-ms')),
    loss0: await page.getAttribute('#loss0', 'data-value'),
    final: await page.$eval('#resultsBody', (el) => ({ train: el.dataset.train, val: el.dataset.val, test: el.dataset.test })),
    samples: await page.$$eval('#samples li', (els) => els.map((e) => e.textContent)),
    rate: Number(await page.getAttribute('#rate', 'data-value')),
    // [step, loss] of each progress update (every 250 steps), once each
    losses: [...new Map(await page.evaluate(() => window.progressLosses))].filter(([s]) => s % 250 === 0),
  };
}

const sameFinal = (final) => final.train === String(want.final.train) && final.val === String(want.final.val) && final.test === String(want.final.test);
const cliSamples = want.samples.map((s) => s.replace(/\.$/, '')).join(' ');

let page, context, server, isolatedServer, profile;
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
  // Served without isolation headers: no shared memory, so 1 thread only, and a note says why.
  const threadsUi = await page.evaluate(() => {
    const s = document.getElementById('threadsSelect');
    return { isolated: crossOriginIsolated, disabled: s.disabled, value: s.value, offered: [...s.options].filter((o) => !o.disabled).map((o) => o.value), note: document.getElementById('threadsNote').textContent };
  });
  check('without isolation headers the threads control offers only 1 thread', !threadsUi.isolated && threadsUi.disabled && threadsUi.value === '1' && threadsUi.offered.join() === '1' && /cross-origin-isolated/.test(threadsUi.note),
    `offered ${threadsUi.offered.join(', ')}; note: ${threadsUi.note}`, JSON.stringify(threadsUi));
  check('the page reports 1 thread', (await page.getAttribute('body', 'data-threads')) === '1' && (await page.textContent('#build')).includes('1 thread'), await page.textContent('#build'));

  const one = await trainOnPage(page, STEPS);
  check('Pause stops the worker midway', one.pausedState === 'paused' && one.pausedAt > 0 && one.pausedAt < STEPS, `${one.pausedState} at step ${one.pausedAt}`);
  check('nothing runs while paused', one.heldAt === one.pausedAt);
  check('first step within 1 s of Start', one.firstMs < 1000, `${one.firstMs} ms`);
  check('seeded step-0 loss equals the CLI\'s', one.loss0 === String(want.log[0][1]), `page ${one.loss0}, CLI ${want.log[0][1]}`);
  check('train/val/test losses after 2,000 steps equal the CLI\'s', sameFinal(one.final), `page ${JSON.stringify(one.final)}, CLI ${JSON.stringify(want.final)}`);
  check('the loss fell below 2.6', Number(one.final.train) < 2.6 && Number(one.final.val) < 2.6, `train ${one.final.train}, val ${one.final.val}`);
  check('samples appeared', one.samples.length === 20 && one.samples.every((s) => s.length > 0), one.samples.join(' '));
  check('samples equal the CLI\'s', one.samples.join(' ') === cliSamples, `page ${one.samples.slice(0, 5).join(' ')}..., CLI ${want.samples.slice(0, 5).join(' ')}...`);
  check('steps/s shown', one.rate > 0, `${one.rate} steps/s on the simd build`);
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

  // The same page served with COOP/COEP headers is cross-origin isolated: 2 threads (the training
  // worker and one helper worker on a shared memory) must give the 1-thread numbers exactly.
  const iso = await serve(built.out, { isolated: true });
  isolatedServer = iso.server;
  await page.goto(`${iso.url}?build=simd&threads=2`);
  await page.waitForSelector('body[data-state=ready]', { timeout: 20_000 });
  await page.waitForFunction(() => !document.getElementById('start').disabled, null, { timeout: 20_000 });
  const isoUi = await page.evaluate(() => {
    const s = document.getElementById('threadsSelect');
    return { isolated: crossOriginIsolated, disabled: s.disabled, value: s.value, offered: [...s.options].filter((o) => !o.disabled).map((o) => o.value) };
  });
  check('with isolation headers the page is cross-origin isolated and offers 2 threads', isoUi.isolated && !isoUi.disabled && isoUi.offered.join() === '1,2' && isoUi.value === '2', JSON.stringify(isoUi));
  const badge = await page.textContent('#build');
  check('the page reports 2 threads', (await page.getAttribute('body', 'data-threads')) === '2' && badge.includes('2 threads'), badge);
  const two = await trainOnPage(page, STEPS);
  check('2 threads: Pause and Resume work', two.pausedState === 'paused' && two.pausedAt > 0 && two.pausedAt < STEPS && two.heldAt === two.pausedAt, `${two.pausedState} at step ${two.pausedAt}`);
  check('2 threads: step-0 loss equals 1 thread\'s (the CLI\'s)', two.loss0 === one.loss0 && two.loss0 === String(want.log[0][1]), `2 threads ${two.loss0}, 1 thread ${one.loss0}`);
  const sameLosses = two.losses.length === STEPS / 250 && JSON.stringify(two.losses) === JSON.stringify(one.losses);
  check('2 threads: the losses every 250 steps equal 1 thread\'s', sameLosses,
    `${two.losses.length} losses, ${two.losses.slice(0, 2).map(([s, l]) => `${s}: ${l}`).join(', ')}, ...`,
    `2 threads ${JSON.stringify(two.losses)}, 1 thread ${JSON.stringify(one.losses)}`);
  check('2 threads: train/val/test losses and samples equal 1 thread\'s (the CLI\'s)', sameFinal(two.final) && two.samples.join(' ') === cliSamples,
    `page ${JSON.stringify(two.final)}, CLI ${JSON.stringify(want.final)}`);
  check('2 threads: steps/s shown', two.rate > 0, `${two.rate} steps/s on 2 threads (${one.rate} on 1)`);
  await page.screenshot({ path: join(results, 'page-threads.png'), fullPage: true });
  console.log(`     screenshot: test-results/page-threads.png`);
  check('no errors in the isolated page\'s console', pageErrors.length === 0, pageErrors.join('; '));
} catch (e) {
  check('browser run', false, e.stack ?? String(e));
  if (page) await page.screenshot({ path: join(results, 'page-failure.png'), fullPage: true }).catch(() => {});
} finally {
  await context?.close().catch(() => {});
  server?.close();
  isolatedServer?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
}
finish();
