// When a run has diverged, and what to try instead. A NaN or infinite loss has; so has a run
// whose loss stays far above that of a model that knows nothing: with a learning rate of 5 or
// more the notebook's MLP sits at losses of 40 to 4,000 and never comes back, yet every number
// stays finite. train() stops on either (DivergenceCheck); saferRates says what to try instead.

/** The loss of a model that gives every one of `vocabSize` characters the same probability. */
export const uniformLoss = (vocabSize: number): number => Math.log(vocabSize);

/**
 * The geometric mean of a stretch of losses (given as log10 losses, as Session.lossi keeps them)
 * when it is more than twice uniformLoss: no model that learns gets there after its first
 * steps, while learning rates that are too high park it there. Otherwise null.
 * @example
 *   tooHighLoss(lossi.slice(-250), 27); // 180.6 for the notebook at learning rate 10; null at 0.1
 */
export function tooHighLoss(log10Losses: readonly number[], vocabSize: number): number | null {
  if (log10Losses.length === 0) return null;
  let sum = 0;
  for (const l of log10Losses) sum += l;
  const mean = 10 ** (sum / log10Losses.length);
  return mean > 2 * uniformLoss(vocabSize) ? mean : null;
}

/**
 * Learning rates to try after a run diverged at `step`: the one in use then is cut to the
 * notebook's 0.1 (or to a tenth, if it was 0.1 or less already), and the rate after the decay
 * is kept at most a tenth of the first, as the notebook has it.
 * @example
 *   saferRates({ lr: 10, lrAfter: 1, decayAt: 1000 }, 250); // { lr: 0.1, lrAfter: 0.01 }
 */
export function saferRates(s: { lr: number; lrAfter: number; decayAt: number }, step: number): { lr: number; lrAfter: number } {
  const cut = (x: number) => (x > 0.1 ? 0.1 : x / 10);
  if (step < s.decayAt) {
    const lr = cut(s.lr);
    return { lr, lrAfter: Math.min(s.lrAfter, lr / 10) };
  }
  return { lr: s.lr, lrAfter: Math.min(cut(s.lrAfter), s.lr / 10) };
}

/** Training diverged at `step`; `reason` says how, in a few words. Nothing of the run should be saved. */
export class DivergenceError extends Error {
  constructor(readonly reason: string, readonly step: number, readonly loss: number) {
    super(`${reason}: training diverged; try a lower --lr`);
    this.name = 'DivergenceError';
  }
}

/** The loss stopped being a finite number. */
export class NonFiniteLossError extends DivergenceError {
  constructor(step: number, loss: number) {
    super(`the loss became ${loss} at step ${step}`, step, loss);
    this.name = 'NonFiniteLossError';
  }
}

/**
 * The window DivergenceCheck averages over for a run of `steps` steps (-1 or 0: no end): 250, or
 * a quarter of a short run (at least 25 steps), so that a run of 100 steps at a far too high
 * learning rate is caught too. A spike of 1e6x moves a 25-step geometric mean 1.7x.
 */
export const divergenceWindow = (steps: number): number => (steps > 0 && steps < 1000 ? Math.max(25, Math.floor(steps / 4)) : 250);

/**
 * Watches a run's losses, step by step: throws NonFiniteLossError at once for a loss that is not
 * finite, and DivergenceError when the geometric mean of the last `window` losses is above both
 * twice uniformLoss (tooHighLoss's line) and 3x the first loss it saw. A healthy run never stays
 * there that long; a spike, however high, moves a 250-step mean little.
 */
export class DivergenceCheck {
  private readonly ring: Float64Array;
  private filled = 0;
  private at = 0;
  private sum = 0;
  private first = NaN;

  constructor(readonly vocabSize: number, readonly window = 250) {
    this.ring = new Float64Array(window);
  }

  check(step: number, loss: number): void {
    if (!Number.isFinite(loss)) throw new NonFiniteLossError(step, loss);
    if (Number.isNaN(this.first)) this.first = loss;
    const l10 = Math.log10(loss);
    this.sum += l10 - this.ring[this.at];
    this.ring[this.at] = l10;
    this.at = (this.at + 1) % this.window;
    if (this.filled < this.window) { this.filled++; return; }
    const mean = 10 ** (this.sum / this.window);
    const uniform = 2 * uniformLoss(this.vocabSize), start = 3 * this.first;
    if (mean > uniform && mean > start) {
      const why = uniform >= start
        ? `more than twice the ${uniformLoss(this.vocabSize).toFixed(2)} of a model that guesses every character alike`
        : `more than 3x the first loss, ${this.first.toFixed(4)}`;
      throw new DivergenceError(`the loss averaged ${fmt(mean)} over the ${this.window} steps to step ${step}, ${why}`, step, loss);
    }
  }
}

const fmt = (x: number) => (x >= 1e5 ? x.toExponential(2) : x.toPrecision(4));
