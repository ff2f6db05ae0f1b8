// MLP language model (makemore.py's MLP, after Bengio et al. 2003,
// https://www.jmlr.org/papers/volume3/bengio03a/bengio03a.pdf): the embeddings of the previous
// blockSize tokens, concatenated, through a hidden tanh layer to the logits.
import { nn, cat, full, type Tensor } from '../../index.ts';
import { lossOf, type ModelConfig, type ModelOutput } from './config.ts';

export class MLP extends nn.Module {
  readonly blockSize: number;
  readonly vocabSize: number;
  /** Token embeddings table; +1 for a special <BLANK> token, encoded before the start of the input. */
  readonly wte: nn.Embedding;
  readonly mlp: nn.Sequential;
  constructor(config: ModelConfig) {
    super();
    this.blockSize = config.blockSize;
    this.vocabSize = config.vocabSize;
    this.wte = new nn.Embedding(config.vocabSize + 1, config.nEmbd);
    this.mlp = new nn.Sequential(
      new nn.Linear(this.blockSize * config.nEmbd, config.nEmbd2),
      new nn.Tanh(),
      new nn.Linear(config.nEmbd2, this.vocabSize),
    );
  }

  getBlockSize(): number { return this.blockSize; }

  forward(idx: Tensor, targets?: Tensor): ModelOutput {
    // gather the word embeddings of the previous blockSize words
    const embs: Tensor[] = [];
    for (let k = 0; k < this.blockSize; k++) {
      const tokEmb = this.wte.forward(idx); // token embeddings of shape (b, t, n_embd)
      // torch.roll(idx, 1, 1) then idx[:, 0] = <BLANK>: shifted right by one, <BLANK> in front
      idx = cat([full([idx.shape[0], 1], this.vocabSize, { dtype: 'int32' }), idx.narrow(1, 0, idx.shape[1] - 1)], 1);
      embs.push(tokEmb);
    }
    // concat all of the embeddings together and pass through an MLP
    const x = cat(embs, -1); // (b, t, n_embd * block_size)
    const logits = this.mlp.forward(x);
    return [logits, lossOf(logits, targets)];
  }
}
