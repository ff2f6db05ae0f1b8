// makemore.py's ModelConfig and the loss every model shares. Leaves out: the models themselves
// (one file each, beside this one) and which one a --type names (models.ts).
import { F, type Tensor } from '../../index.ts';

export interface ModelConfig {
  /** Length of the input sequences of integers. */
  blockSize: number;
  /** The input integers are in range [0 .. vocabSize - 1]. */
  vocabSize: number;
  // Parameters below control the sizes of each model slightly differently.
  nLayer: number;
  nEmbd: number;
  nEmbd2: number;
  nHead: number;
}

/** makemore.py's defaults for the sizes (blockSize and vocabSize come from the data). */
export const CONFIG_DEFAULTS = { nLayer: 4, nEmbd: 64, nEmbd2: 64, nHead: 4 } as const;

/** What every model's forward returns: the logits, and the loss when targets were given. */
export type ModelOutput = [logits: Tensor, loss: Tensor | null];

/** F.cross_entropy(logits.view(-1, V), targets.view(-1), ignore_index=-1), or null without targets. */
export function lossOf(logits: Tensor, targets?: Tensor): Tensor | null {
  if (!targets) return null;
  return F.crossEntropy(logits.view(-1, logits.shape[logits.ndim - 1]), targets.view(-1), { ignoreIndex: -1 });
}
