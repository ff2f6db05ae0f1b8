// Transformer language model, *exactly* as used in GPT-2 (makemore.py's Transformer, itself
// minGPT's): token and position embeddings, nLayer blocks of causal self-attention and an MLP
// with GELU, each behind a LayerNorm with a residual, a final LayerNorm and an unbiased head.
// Module and parameter names are PyTorch's, so state dicts load into makemore.py's classes.
import { nn, arange, ones, type Tensor } from '../../index.ts';
import { lossOf, type ModelConfig, type ModelOutput } from './config.ts';

/**
 * The GELU of Google BERT's repo (identical to OpenAI GPT's), written out as makemore.py does,
 * so every float32 rounding is PyTorch's: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 */
export class NewGELU extends nn.Module {
  forward(x: Tensor): Tensor {
    return x.mul(0.5).mul(x.pow(3).mul(0.044715).add(x).mul(Math.sqrt(2 / Math.PI)).tanh().add(1));
  }
}

/** Multi-head masked self-attention with a projection at the end. */
export class CausalSelfAttention extends nn.Module {
  /** Key, query, value projections for all heads, in a batch. */
  readonly c_attn: nn.Linear;
  /** Output projection. */
  readonly c_proj: nn.Linear;
  readonly bias: Tensor;
  readonly nHead: number;
  readonly nEmbd: number;
  constructor(config: ModelConfig) {
    super();
    if (config.nEmbd % config.nHead !== 0) throw new Error(`CausalSelfAttention: n_embd ${config.nEmbd} must be a multiple of n_head ${config.nHead}`);
    this.c_attn = new nn.Linear(config.nEmbd, 3 * config.nEmbd);
    this.c_proj = new nn.Linear(config.nEmbd, config.nEmbd);
    // causal mask to ensure that attention is only applied to the left in the input sequence
    const bs = config.blockSize;
    this.bias = this.registerBuffer('bias', ones([bs, bs]).tril().view(1, 1, bs, bs));
    this.nHead = config.nHead;
    this.nEmbd = config.nEmbd;
  }

  forward(x: Tensor): Tensor {
    const [B, T, C] = x.shape; // batch size, sequence length, embedding dimensionality (n_embd)
    // query, key, values for all heads in batch, and the head moved forward to be the batch dim
    let [q, k, v] = this.c_attn.forward(x).split(this.nEmbd, 2);
    k = k.view(B, T, this.nHead, C / this.nHead).transpose(1, 2); // (B, nh, T, hs)
    q = q.view(B, T, this.nHead, C / this.nHead).transpose(1, 2); // (B, nh, T, hs)
    v = v.view(B, T, this.nHead, C / this.nHead).transpose(1, 2); // (B, nh, T, hs)
    // causal self-attention; self-attend: (B, nh, T, hs) x (B, nh, hs, T) -> (B, nh, T, T)
    let att = q.matmul(k.transpose(-2, -1)).mul(1.0 / Math.sqrt(k.shape[k.ndim - 1]));
    att = att.maskedFill(this.bias.narrow(2, 0, T).narrow(3, 0, T).eq(0), -Infinity);
    att = att.softmax(-1);
    let y = att.matmul(v); // (B, nh, T, T) x (B, nh, T, hs) -> (B, nh, T, hs)
    y = y.transpose(1, 2).contiguous().view(B, T, C); // re-assemble all head outputs side by side
    return this.c_proj.forward(y);
  }
}

/** An unassuming Transformer block. */
export class Block extends nn.Module {
  readonly ln_1: nn.LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln_2: nn.LayerNorm;
  readonly mlp: nn.ModuleDict;
  constructor(config: ModelConfig) {
    super();
    this.ln_1 = new nn.LayerNorm(config.nEmbd);
    this.attn = new CausalSelfAttention(config);
    this.ln_2 = new nn.LayerNorm(config.nEmbd);
    this.mlp = new nn.ModuleDict({
      c_fc: new nn.Linear(config.nEmbd, 4 * config.nEmbd),
      c_proj: new nn.Linear(4 * config.nEmbd, config.nEmbd),
      act: new NewGELU(),
    });
  }

  /** MLP forward: c_proj(act(c_fc(x))). */
  mlpf(x: Tensor): Tensor {
    const m = this.mlp;
    return m.get('c_proj').forward(m.get('act').forward(m.get('c_fc').forward(x)));
  }

  forward(x: Tensor): Tensor {
    x = x.add(this.attn.forward(this.ln_1.forward(x)));
    x = x.add(this.mlpf(this.ln_2.forward(x)));
    return x;
  }
}

/** Transformer Language Model, exactly as seen in GPT-2. */
export class Transformer extends nn.Module {
  readonly blockSize: number;
  readonly transformer: nn.ModuleDict;
  readonly lm_head: nn.Linear;
  constructor(config: ModelConfig) {
    super();
    this.blockSize = config.blockSize;
    this.transformer = new nn.ModuleDict({
      wte: new nn.Embedding(config.vocabSize, config.nEmbd),
      wpe: new nn.Embedding(config.blockSize, config.nEmbd),
      h: new nn.ModuleList(Array.from({ length: config.nLayer }, () => new Block(config))),
      ln_f: new nn.LayerNorm(config.nEmbd),
    });
    this.lm_head = new nn.Linear(config.nEmbd, config.vocabSize, { bias: false });
  }

  /** The parameters makemore.py reports as "number of parameters" (all but the decoder, lm_head). */
  numBodyParams(): number { return this.transformer.parameters().reduce((n, p) => n + p.numel(), 0); }

  getBlockSize(): number { return this.blockSize; }

  forward(idx: Tensor, targets?: Tensor): ModelOutput {
    const [, t] = idx.shape;
    if (t > this.blockSize) throw new Error(`Transformer: cannot forward sequence of length ${t}, block size is only ${this.blockSize}`);
    const pos = arange(0, t).unsqueeze(0); // shape (1, t)
    const tr = this.transformer;
    // forward the GPT model itself
    const tokEmb = tr.get('wte').forward(idx); // token embeddings of shape (b, t, n_embd)
    const posEmb = tr.get('wpe').forward(pos); // position embeddings of shape (1, t, n_embd)
    let x = tokEmb.add(posEmb);
    for (const block of tr.get('h') as nn.ModuleList) x = block.forward(x);
    x = tr.get('ln_f').forward(x);
    const logits = this.lm_head.forward(x);
    return [logits, lossOf(logits, targets)];
  }
}

