// How the CLI shows a run: a live progress bar on a terminal with the log lines printed above it
// (cli-progress's MultiBar, which moves the cursor relative to the bar, so it stays right however
// the terminal scrolls), a small terminal chart of the loss (asciichart) and the loss curve as an
// SVG (vega-lite rendered headless by vega). All three packages are optional peer dependencies,
// loaded when first used: the library itself never needs them. Node only.
import type { LossCurve } from './loss_curve.ts';
import { UserError } from './files.ts';

/** The module, or null when the package is not installed (an optional peer dependency). */
async function optionalModule<T>(name: string): Promise<T | null> {
  try {
    return (await import(name)) as T;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((e as Error).message).includes(`'${name}'`)) return null;
    throw e;
  }
}

export interface Progress {
  update(step: number, loss: number): void;
  /** Prints a line of the run's output: above the bar while one is live. */
  line(text: string): void;
  stop(): void;
}

type Stream = NodeJS.WriteStream;

/**
 * A bar on `barStream` (steps/s, the current loss, the ETA) when that is a terminal and
 * cli-progress is installed; run lines go to `lines`. Without a bar, lines are plain writes.
 */
export async function startProgress(total: number, start: number, lines: Stream, barStream: Stream = process.stderr): Promise<Progress> {
  const plain: Progress = { update() {}, line: (text) => { lines.write(text + '\n'); }, stop() {} };
  if (!barStream.isTTY || total <= start) return plain;
  const cliProgress = (await optionalModule<{ default: typeof import('cli-progress') }>('cli-progress'))?.default;
  if (!cliProgress) return plain;
  const multi = new cliProgress.MultiBar({
    stream: barStream,
    format: ' {bar} {value}/{total} steps | {rate} steps/s | loss {loss} | ETA {eta_formatted}',
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 20,
  }, cliProgress.Presets.shades_classic);
  const bar = multi.create(total, start, { loss: '-', rate: '-' });
  const t0 = performance.now();
  let stopped = false;
  return {
    update(step, loss) {
      const rate = (step - start) / ((performance.now() - t0) / 1000);
      bar.update(step, { loss: loss.toFixed(4), rate: Math.round(rate) });
    },
    line(text) {
      // The same terminal: the bar's log() prints above it. Another stream (a pipe, a file) needs no care.
      if (!stopped && lines.isTTY) { multi.log(text + '\n'); multi.update(); } else lines.write(text + '\n');
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.update();
      multi.stop();
    },
  };
}

/** log10(loss) as a small terminal chart, or null (asciichart not installed, or too few steps). */
export async function lossChart(curve: LossCurve): Promise<string | null> {
  if (curve.count < 1000) return null;
  const asciichart = (await optionalModule<{ default: typeof import('asciichart') }>('asciichart'))?.default;
  if (!asciichart) return null;
  const { values, steps } = curve.coarse(60);
  return `log10(loss), mean of every ${steps} steps:\n` + asciichart.plot(values, { height: 10, format: (x: number) => x.toFixed(3).padStart(7) });
}

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');

/** Loads what --plot needs, or says how to install it: call it before training. */
export async function loadPlotter(): Promise<{ vega: Vega; vl: VegaLite }> {
  const [vega, vl] = await Promise.all([optionalModule<Vega>('vega'), optionalModule<VegaLite>('vega-lite')]);
  if (!vega || !vl) throw new UserError('--plot needs the packages vega and vega-lite, which wasmgrad leaves optional; install them beside it (npm install vega vega-lite) or drop --plot');
  return { vega, vl };
}

/**
 * The loss curve as makemore plots it, as an SVG any browser opens: log10(loss), faint (at most
 * 4096 points, each the mean of the steps it covers), and its mean over each 1000 steps.
 */
export async function lossSvg(curve: LossCurve): Promise<string> {
  const { vega, vl } = await loadPlotter();
  const { values, steps } = curve.coarse(4096);
  const raw = values.map((v, i) => ({ step: curve.startStep + i * steps, log10loss: v }));
  const g = curve.group;
  const mean = curve.means.map((m, i) => ({ step: curve.startStep + i * g + g / 2, log10loss: m }));
  const spec = vl.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 720, height: 360,
    title: 'wasmgrad: training loss',
    layer: [
      { data: { values: raw }, mark: { type: 'line', opacity: 0.25, strokeWidth: 0.6 },
        encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'log10loss', type: 'quantitative', title: 'log10(loss)', scale: { zero: false } } } },
      { data: { values: mean }, mark: { type: 'line', color: '#d62728', strokeWidth: 2 },
        encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'log10loss', type: 'quantitative' } } },
    ],
  } as never).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
