// A run's loss curve in bounded memory, whatever its length: log10(loss) averaged over groups
// of `stride` steps (the stride doubles whenever 8192 groups are full, so at most 8192 points
// are kept) and makemore's bold line, the mean over each `group` steps (1000 for a long run).
// Portable (no Node APIs); drawing it is report.ts's job.

const KEEP = 4096;

export class LossCurve {
  /** Means of log10(loss) over consecutive groups of `stride` steps, from `startStep`. */
  readonly fine: number[] = [];
  stride = 1;
  /** Means of log10(loss) over consecutive groups of `group` steps (makemore's plotted line). */
  readonly means: number[] = [];
  /** Steps added so far. */
  count = 0;
  private fineSum = 0;
  private fineN = 0;
  private groupSum = 0;
  private groupN = 0;

  /**
   * @param startStep the step of the first loss added (non-zero when resuming)
   * @param group steps per bold-line point: 1000 as makemore, fewer for short runs
   */
  constructor(readonly startStep = 0, readonly group = 1000) {}

  /** The bold line's group for a run of `steps` steps: 1000, or a tenth of a shorter run. */
  static groupFor(steps: number): number { return Math.min(1000, Math.max(1, Math.floor(steps / 10))); }

  add(log10loss: number): void {
    this.count++;
    this.groupSum += log10loss;
    if (++this.groupN === this.group) { this.means.push(this.groupSum / this.group); this.groupSum = 0; this.groupN = 0; }
    this.fineSum += log10loss;
    if (++this.fineN === this.stride) {
      this.fine.push(this.fineSum / this.stride);
      this.fineSum = 0; this.fineN = 0;
      if (this.fine.length === 2 * KEEP) {
        // Halve the resolution: each pair of equal-sized groups becomes their mean.
        for (let i = 0; i < KEEP; i++) this.fine[i] = (this.fine[2 * i] + this.fine[2 * i + 1]) / 2;
        this.fine.length = KEEP;
        this.stride *= 2;
      }
    }
  }

  /** `fine` regrouped to at most about `points` means; returns them and the steps each covers. */
  coarse(points: number): { values: number[]; steps: number } {
    const k = Math.max(1, Math.floor(this.fine.length / points));
    const values: number[] = [];
    for (let i = 0; i + k <= this.fine.length; i += k) {
      let s = 0;
      for (let j = i; j < i + k; j++) s += this.fine[j];
      values.push(s / k);
    }
    return { values, steps: k * this.stride };
  }
}
