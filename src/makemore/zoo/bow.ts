// Bag of Words (BoW) language model (makemore.py's BoW): token and position embeddings averaged
// over the preceding positions (a causal mean, which looks suspiciously like attention with
// equal weights), plus an MLP with a residual, then a linear head.
import { nn, F, arange, ones, zeros, type Tensor } from '../../index.ts';
import { lossOf, type ModelConfig, type ModelOutput } from './config.ts';

/** Causal bag of words: averages the preceding elements. */
export class CausalBoW extends nn.Module {
  readonly blockSize: number;
  readonly bias: Tensor;
  constructor(config: ModelConfig) {
    super();
    // used to mask out vectors and preserve the autoregressive property
    this.blockSize = config.blockSize;
    const bs = config.blockSize;
    this.bias = this.registerBuffer('bias', ones([bs, bs]).tril().view(1, bs, bs));
  }

  forward(x: Tensor): Tensor {
    const [B, T] = x.shape; // batch size, sequence length, n_embd
    // do the weighted average of all preceding token features
    let att = zeros([B, T, T]);
    att = att.maskedFill(this.bias.narrow(1, 0, T).narrow(2, 0, T).eq(0), -Infinity);
    att = att.softmax(-1);
    return att.matmul(x); // (B, T, T) x (B, T, C) -> (B, T, C)
  }
}

/** Collects BoW features and adds an MLP. */
export class BoWBlock extends nn.Module {
  readonly cbow: CausalBoW;
  readonly mlp: nn.ModuleDict;
  constructor(config: ModelConfig) {
    super();
    this.cbow = new CausalBoW(config);
    this.mlp = new nn.ModuleDict({
      c_fc: new nn.Linear(config.nEmbd, config.nEmbd2),
      c_proj: new nn.Linear(config.nEmbd2, config.nEmbd),
    });
  }

  /** MLP forward: c_proj(tanh(c_fc(x))). */
  mlpf(x: Tensor): Tensor {
    return this.mlp.get('c_proj').forward(F.tanh(this.mlp.get('c_fc').forward(x)));
  }

  forward(x: Tensor): Tensor {
    x = x.add(this.cbow.forward(x));
    x = x.add(this.mlpf(x));
    return x;
  }
}

/**
 * Takes the previous blockSize tokens, encodes them with a lookup table, also encodes their
 * positions with a lookup table, then averages all of those embeddings up and uses that to
 * predict the next token.
 */
export class BoW extends nn.Module {
  readonly blockSize: number;
  readonly vocabSize: number;
  /** Token embedding. */
  readonly wte: nn.Embedding;
  /** Position embedding. */
  readonly wpe: nn.Embedding;
  /** Context block. */
  readonly context_block: BoWBlock;
  /** Language model head decoder layer. */
  readonly lm_head: nn.Linear;
  constructor(config: ModelConfig) {
    super();
    this.blockSize = config.blockSize;
    this.vocabSize = config.vocabSize;
    this.wte = new nn.Embedding(config.vocabSize, config.nEmbd);
    this.wpe = new nn.Embedding(config.blockSize, config.nEmbd);
    this.context_block = new BoWBlock(config);
    this.lm_head = new nn.Linear(config.nEmbd, this.vocabSize);
  }

  getBlockSize(): number { return this.blockSize; }

  forward(idx: Tensor, targets?: Tensor): ModelOutput {
    const [, t] = idx.shape;
    if (t > this.blockSize) throw new Error(`BoW: cannot forward sequence of length ${t}, block size is only ${this.blockSize}`);
    const pos = arange(0, t).unsqueeze(0); // shape (1, t)
    // forward the token and position embedding layers
    const tokEmb = this.wte.forward(idx); // token embeddings of shape (b, t, n_embd)
    const posEmb = this.wpe.forward(pos); // position embeddings of shape (1, t, n_embd)
    // add and run through the decoder MLP
    let x = tokEmb.add(posEmb);
    // run the bag of words context module
    x = this.context_block.forward(x);
    // decode to next token probability
    const logits = this.lm_head.forward(x);
    return [logits, lossOf(logits, targets)];
  }
}
