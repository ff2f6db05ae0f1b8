// The diagnostics panel: makemore part 3's plots of the live network, from the snapshots the
// worker computes (src/makemore/diagnostics.ts): histograms of the pre-activations and tanh
// outputs (saturated share), of the weights' gradients, and each parameter's update-to-data
// ratio over the run (uPlot, with the lecture's -3 guide). Histograms are plain canvas lines.
import uPlot from 'uplot';
import type { Histogram, Snapshot } from '../src/makemore/diagnostics.ts';

const COLORS = ['#2f6fec', '#d62728', '#1b7f4b', '#9467bd', '#e07b00', '#17becf', '#8c564b'];
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number) => (Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(3) : x.toExponential(2));

interface Line { label: string; color: string; hist: Histogram }

/** Draws histograms as lines (the lecture's plt.plot(hx, hy)) on a shared x range. */
function drawHistograms(canvas: HTMLCanvasElement, lines: Line[], range?: [number, number]): void {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(200, canvas.clientWidth), h = canvas.clientHeight || 140;
  canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const [lo, hi] = range ?? [Math.min(...lines.map((l) => l.hist.lo)), Math.max(...lines.map((l) => l.hist.hi))];
  const pad = { l: 8, r: 8, t: 8, b: 20 };
  const X = (v: number) => pad.l + ((v - lo) / (hi - lo)) * (w - pad.l - pad.r);
  const top = Math.max(1, ...lines.map((l) => Math.max(...l.hist.counts) / sum(l.hist.counts) / binWidth(l.hist)));
  const Y = (d: number) => h - pad.b - (d / top) * (h - pad.t - pad.b);
  ctx.strokeStyle = '#d7dbe5'; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(pad.l, h - pad.b + 0.5); ctx.lineTo(w - pad.r, h - pad.b + 0.5); ctx.stroke();
  ctx.fillStyle = '#4d5566'; ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'top';
  for (const [v, align] of [[lo, 'left'], [(lo + hi) / 2, 'center'], [hi, 'right']] as const) {
    ctx.textAlign = align; ctx.fillText(num(v), X(v), h - pad.b + 4);
  }
  for (const { color, hist } of lines) {
    const n = sum(hist.counts), bw = binWidth(hist);
    ctx.strokeStyle = color; ctx.lineWidth = 1.5;
    ctx.beginPath();
    hist.counts.forEach((c, i) => {
      const x = X(hist.lo + (i + 0.5) * bw), y = Y(n ? c / n / bw : 0);
      if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    });
    ctx.stroke();
  }
}
const sum = (a: number[]) => a.reduce((s, x) => s + x, 0);
const binWidth = (h: Histogram) => (h.hi - h.lo) / h.counts.length;

export class DiagnosticsView {
  private ud: uPlot | null = null;
  private names: string[] = [];
  private data: (number | null)[][] = [];
  private last: Snapshot | null = null;
  private queued = false;

  constructor(private readonly root: HTMLElement) {
    new ResizeObserver(() => { this.ud?.setSize(this.udSize()); if (this.last) this.drawHists(this.last); }).observe(root);
  }

  private $(sel: string) { return this.root.querySelector(sel) as HTMLElement; }
  private udSize() { return { width: Math.max(240, this.$('.ud').clientWidth), height: 200 }; }

  /**
   * An empty panel for a run of `steps` steps over these parameters; `activations` false for a
   * model without the notebook's tanh layer (its two histograms say so).
   */
  reset(steps: number, names: string[], activations = true): void {
    this.names = names;
    this.root.dataset.activations = String(activations);
    this.data = [[], ...names.map(() => []), []];
    this.last = null;
    this.root.dataset.snapshots = '0';
    this.$('.when').textContent = '(makemore part 3\'s diagnostics, while it trains)';
    for (const c of this.root.querySelectorAll('canvas.hist')) (c as HTMLCanvasElement).getContext('2d')!.reset?.();
    for (const el of this.root.querySelectorAll('p.hstats')) el.textContent = activations ? '–' : 'The notebook\'s MLP only: this model has no tanh hidden layer.';
    this.$('.grad-stats').replaceChildren(Object.assign(document.createElement('li'), { textContent: '–' }));
    this.ud?.destroy();
    this.ud = new uPlot({
      ...this.udSize(),
      scales: { x: { time: false, range: [0, Math.max(1, steps)] } },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { stroke: '#4d5566', grid: { stroke: '#eef0f5' }, values: (_, t) => t.map((v) => (v >= 1000 ? `${v / 1000}k` : String(v))) },
        { label: 'log10(update / data)', stroke: '#4d5566', grid: { stroke: '#eef0f5' }, size: 48 },
      ],
      series: [
        { label: 'step' },
        ...names.map((n, i) => ({ label: n, stroke: COLORS[i % COLORS.length], width: 1.5, points: { show: false }, spanGaps: true, value: (_: uPlot, v: number | null) => (v == null ? '–' : v.toFixed(2)) })),
        { label: 'guide (-3)', stroke: '#888', dash: [6, 4], width: 1, points: { show: false } },
      ],
    }, this.data as uPlot.AlignedData, this.$('.ud'));
  }

  update(snap: Snapshot): void {
    this.data[0].push(snap.step);
    this.names.forEach((n, i) => this.data[i + 1].push(snap.ratios[n] ?? null));
    this.data[this.names.length + 1].push(-3);
    this.root.dataset.snapshots = String(this.data[0].length);
    if (snap.gradients) { this.last = snap; this.drawHists(snap); }
    if (!this.queued) {
      this.queued = true;
      setTimeout(() => requestAnimationFrame(() => { this.queued = false; this.ud?.setData(this.data as uPlot.AlignedData); }), 300);
    }
  }

  private drawHists(snap: Snapshot): void {
    const a = snap.activations, g = snap.gradients ?? [];
    this.$('.when').textContent = `at step ${snap.step.toLocaleString('en-US')}`;
    if (a) this.drawActivations(a);
    this.drawGradients(g);
  }

  private drawActivations(a: NonNullable<Snapshot['activations']>): void {
    drawHistograms(this.$('.pre') as HTMLCanvasElement, [{ label: 'pre', color: COLORS[0], hist: a.preact }]);
    this.$('.pre-stats').textContent = `mean ${num(a.preact.mean)}, std ${num(a.preact.std)}`;
    drawHistograms(this.$('.tanh') as HTMLCanvasElement, [{ label: 'tanh', color: COLORS[1], hist: a.tanh }], [-1, 1]);
    this.$('.tanh-stats').textContent = `mean ${num(a.tanh.mean)}, std ${num(a.tanh.std)}, saturated (|t| > 0.97) ${pct(a.tanh.saturated)}`;
    this.root.dataset.saturated = String(a.tanh.saturated);
  }

  private drawGradients(g: NonNullable<Snapshot['gradients']>): void {
    const r = Math.max(...g.map((x) => Math.max(Math.abs(x.hist.lo), Math.abs(x.hist.hi))), 1e-12);
    drawHistograms(this.$('.grad') as HTMLCanvasElement, g.map((x, i) => ({ label: x.name, color: COLORS[(this.names.indexOf(x.name) + COLORS.length) % COLORS.length] ?? COLORS[i], hist: x.hist })), [-r, r]);
    const list = this.$('.grad-stats');
    list.replaceChildren(...g.map((x) => {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = COLORS[this.names.indexOf(x.name) % COLORS.length];
      li.append(sw, `${x.name} (${x.shape.join('×')}): mean ${num(x.hist.mean)}, std ${num(x.hist.std)}, grad:data ratio ${num(x.gradToData)}`);
      return li;
    }));
  }
}
