// When a run has diverged, and what to try instead. A NaN or infinite loss has (train.ts throws
// NonFiniteLossError for it); so has a run whose loss stays far above that of a model that knows
// nothing: with a learning rate of 5 or more the notebook's MLP sits at losses of 40 to 4,000 and
// never comes back, yet every number stays finite. Leaves out: stopping the run (the caller's).

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
