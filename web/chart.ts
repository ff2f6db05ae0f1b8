// The loss chart (uPlot), drawn as makemore plots it: log10(loss) of every step (faint), its mean
// over each group of steps (1,000 for long runs: lossi.view(-1, 1000).mean(1)), drawn on top, and
// the validation loss every few thousand steps. The x axis is the run's length from the start, so
// nothing rescales as the run goes; the legend shows the values under the pointer as losses.
import uPlot from 'uplot';

const fmt = new Intl.NumberFormat('en-US');
const stepLabel = (t: number) => (t >= 1e6 ? `${t / 1e6}M` : t >= 1000 ? `${t / 1000}k` : String(t));
const asLoss = (_: uPlot, v: number | null) => (v == null || !Number.isFinite(v) ? '–' : (10 ** v).toFixed(4));

/** At most this many per-step points are drawn (every k-th step). */
const MAX_POINTS = 2000;

export class LossChart {
  private plot: uPlot | null = null;
  private steps = 1;
  private raw = new Float32Array(1);
  /** Steps [from, to) have a loss. */
  private from = 0;
  private to = 0;
  private group = 1000;
  private val = new Map<number, number>();
  private queued = false;
  private yRange: [number, number] = [0.2, 0.6];

  constructor(private readonly el: HTMLElement, private readonly empty: HTMLElement) {
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(el);
  }

  private size(): { width: number; height: number } {
    const width = Math.max(240, this.el.clientWidth);
    return { width, height: Math.round(Math.min(320, Math.max(200, width * 0.45))) };
  }

  /** A run of `steps` steps whose losses start at `from` (0, or a loaded model's step); heldOut names the second line. */
  reset(steps: number, from = 0, heldOut: 'val' | 'test' = 'val'): void {
    this.steps = Math.max(1, steps);
    this.raw = new Float32Array(this.steps).fill(NaN);
    this.from = this.to = from;
    this.val.clear();
    this.group = this.steps >= 20_000 ? 1000 : Math.max(10, Math.floor(this.steps / 20));
    this.yRange = [0.2, 0.6];
    this.empty.hidden = false;
    this.plot?.destroy();
    this.plot = new uPlot({
      ...this.size(),
      scales: {
        x: { time: false, range: [0, this.steps] },
        y: { range: () => this.yRange },
      },
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      // The x range on screen, for the browser test (it must stay the run's length).
      hooks: { setScale: [(u, key) => { if (key === 'x') Object.assign(this.el.dataset, { xMin: String(u.scales.x.min), xMax: String(u.scales.x.max) }); }] },
      axes: [
        { label: 'step', stroke: '#4d5566', grid: { stroke: '#eef0f5' }, values: (_, ticks) => ticks.map(stepLabel) },
        { label: 'log10(loss)', stroke: '#4d5566', grid: { stroke: '#eef0f5' }, size: 52, values: (_, ticks) => ticks.map((t) => t.toFixed(2)) },
      ],
      series: [
        { label: 'step', value: (_, v) => (v == null ? '–' : fmt.format(v)) },
        { label: 'loss', stroke: 'rgba(47,111,236,0.35)', width: 1, points: { show: false }, value: asLoss, spanGaps: true },
        { label: `${heldOut} loss`, stroke: '#1b7f4b', width: 2, points: { show: true, size: 6, fill: '#1b7f4b' }, value: asLoss, spanGaps: true },
        { label: `mean of ${fmt.format(this.group)} steps`, stroke: '#d62728', width: 2, points: { show: false }, value: asLoss, spanGaps: true },
      ],
    }, [[], [], [], []], this.el);
    this.draw();
  }

  /** log10 losses of the steps from `start` on. */
  add(start: number, lossi: ArrayLike<number>): void {
    for (let i = 0; i < lossi.length && start + i < this.steps; i++) this.raw[start + i] = lossi[i];
    this.to = Math.min(this.steps, Math.max(this.to, start + lossi.length));
    this.queue();
  }

  addVal(step: number, loss: number): void {
    this.val.set(step, Math.log10(loss));
    this.queue();
  }

  private queue(): void {
    if (this.queued) return;
    this.queued = true;
    setTimeout(() => requestAnimationFrame(() => this.draw()), 200);
  }

  /** Draws now (the page calls it at the end of a run). */
  draw(): void {
    this.queued = false;
    if (!this.plot) return;
    const k = Math.max(1, Math.ceil(this.steps / MAX_POINTS));
    const rows = new Map<number, [number | null, number | null, number | null]>();
    const row = (x: number) => { let r = rows.get(x); if (!r) rows.set(x, r = [null, null, null]); return r; };
    for (let i = this.from - (this.from % k); i < this.to; i += k) if (i >= this.from) row(i)[0] = this.raw[i];
    if (this.to > this.from) row(this.to - 1)[0] = this.raw[this.to - 1];
    let lo = Infinity, hi = -Infinity;
    const g = this.group;
    for (let s = Math.ceil(this.from / g) * g; s + g <= this.to; s += g) {
      let sum = 0;
      for (let i = s; i < s + g; i++) sum += this.raw[i];
      const m = sum / g;
      row(s + g / 2)[1] = m;
      lo = Math.min(lo, m); hi = Math.max(hi, m);
    }
    for (const [s, v] of this.val) { row(s)[2] = v; lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (!Number.isFinite(lo)) for (let i = this.from; i < this.to; i++) { lo = Math.min(lo, this.raw[i]); hi = Math.max(hi, this.raw[i]); }
    if (Number.isFinite(lo)) {
      const pad = Math.max(0.02, (hi - lo) * 0.15);
      this.yRange = [lo - pad, hi + pad];
    }
    const xs = [...rows.keys()].sort((a, b) => a - b);
    const col = (j: 0 | 1 | 2) => xs.map((x) => rows.get(x)![j]);
    this.empty.hidden = xs.length > 0;
    // With no losses yet, two empty points still give uPlot the run's x range to draw its axes.
    this.plot.setData(xs.length ? [xs, col(0), col(2), col(1)] : [[0, this.steps], [null, null], [null, null], [null, null]]);
    Object.assign(this.el.dataset, { points: String(xs.length), valPoints: String(this.val.size), drawnTo: String(this.to) });
  }
}
