// Bigram language model 'neural net' (makemore.py's Bigram): simply a lookup table of logits
// for the next character given the previous one.
import { nn, zeros, type Tensor } from '../../index.ts';
import { lossOf, type ModelConfig, type ModelOutput } from './config.ts';

export class Bigram extends nn.Module {
  readonly logits: Tensor;
  constructor(config: ModelConfig) {
    super();
    const n = config.vocabSize;
    this.logits = this.registerParameter('logits', zeros([n, n]));
  }

  /** This model only needs one previous character to predict the next. */
  getBlockSize(): number { return 1; }

  forward(idx: Tensor, targets?: Tensor): ModelOutput {
    // 'forward pass', lol
    const logits = this.logits.index(idx);
    return [logits, lossOf(logits, targets)];
  }
}
