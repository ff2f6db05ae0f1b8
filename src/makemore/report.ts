// How training shows itself: a progress bar on a terminal (cli-progress), the loss curve as
// an SVG (vega-lite, rendered headless by vega) and as a small terminal chart (asciichart).
import cliProgress from 'cli-progress';
import asciichart from 'asciichart';
import { writeAtomic } from './files.ts';

export interface Bar {
  update(step: number, loss: number): void;
  /** Prints a line above the bar (the 10k-step log lines). */
  interrupt(line: string): void;
  stop(): void;
}

/** A bar on stderr with steps/s, the current loss and the ETA; null when stderr is not a terminal. */
export function progressBar(total: number, start: number): Bar | null {
  if (!process.stderr.isTTY || total <= start) return null;
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: ' {bar} {value}/{total} steps | {rate} steps/s | loss {loss} | ETA {eta_formatted}',
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 20,
  }, cliProgress.Presets.shades_classic);
  const t0 = performance.now();
  bar.start(total, start, { loss: '-', rate: '-' });
  return {
    update(step, loss) {
      const rate = (step - start) / ((performance.now() - t0) / 1000);
      bar.update(step, { loss: loss.toFixed(4), rate: Math.round(rate) });
    },
    interrupt(line) {
      process.stderr.write('\r\x1b[2K');
      process.stdout.write(line + '\n');
      bar.render();
    },
    stop() { bar.stop(); },
  };
}

/** Means of consecutive groups of `size` values (makemore plots 1000-step means). */
export function groupMeans(values: readonly number[], size: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + size <= values.length; i += size) {
    let s = 0;
    for (let j = i; j < i + size; j++) s += values[j];
    out.push(s / size);
  }
  return out;
}

/** The 1000-step mean of log10(loss) as a terminal chart. */
export function lossChart(lossi: readonly number[]): string {
  const size = Math.max(1, Math.floor(lossi.length / 60));
  const means = groupMeans(lossi, size);
  return `log10(loss), mean of every ${size} steps:\n` + asciichart.plot(means, { height: 10, format: (x: number) => x.toFixed(3).padStart(7) });
}

/**
 * Writes the loss curve as makemore plots it: log10(loss) of every step, faint, and its mean
 * over each 1000 steps, as an SVG any browser opens.
 */
export async function writeLossSvg(path: string, lossi: readonly number[], startStep = 0): Promise<void> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  // One point per step would make a huge file: thin the faint per-step line to at most 4000 points.
  const stride = Math.max(1, Math.ceil(lossi.length / 4000));
  const raw = [];
  for (let i = 0; i < lossi.length; i += stride) raw.push({ step: startStep + i, log10loss: lossi[i] });
  const group = Math.min(1000, Math.max(1, Math.floor(lossi.length / 10)));
  const mean = groupMeans(lossi, group).map((m, i) => ({ step: startStep + i * group + group / 2, log10loss: m }));
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
  await writeAtomic(path, new TextEncoder().encode(svg));
}
