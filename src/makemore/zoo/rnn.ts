// Recurrent neural net language model (makemore.py's RNN): either a vanilla RNN recurrence or a
// GRU, over token embeddings, from a learned starting hidden state, then a linear head on every
// hidden state. (makemore.py has no LSTM: its API, with a cell state too, is a bit more annoying.)
import { nn, F, zeros, stack, cat, type Tensor } from '../../index.ts';
import { lossOf, type ModelConfig, type ModelOutput } from './config.ts';

/**
 * The job of a 'Cell' is to take the input at the current time step x_t and the hidden state at
 * the previous time step h_{t-1}, and return the resulting hidden state h_t.
 */
export class RNNCell extends nn.Module {
  readonly xh_to_h: nn.Linear;
  constructor(config: ModelConfig) {
    super();
    this.xh_to_h = new nn.Linear(config.nEmbd + config.nEmbd2, config.nEmbd2);
  }

  forward(xt: Tensor, hprev: Tensor): Tensor {
    const xh = cat([xt, hprev], 1);
    return F.tanh(this.xh_to_h.forward(xh));
  }
}

/** Same job as the RNN cell, with a recurrence that makes the GRU more expressive and easier to optimise. */
export class GRUCell extends nn.Module {
  readonly xh_to_z: nn.Linear;
  readonly xh_to_r: nn.Linear;
  readonly xh_to_hbar: nn.Linear;
  constructor(config: ModelConfig) {
    super();
    // input, forget, output, gate
    this.xh_to_z = new nn.Linear(config.nEmbd + config.nEmbd2, config.nEmbd2);
    this.xh_to_r = new nn.Linear(config.nEmbd + config.nEmbd2, config.nEmbd2);
    this.xh_to_hbar = new nn.Linear(config.nEmbd + config.nEmbd2, config.nEmbd2);
  }

  forward(xt: Tensor, hprev: Tensor): Tensor {
    // first use the reset gate to wipe some channels of the hidden state to zero
    const xh = cat([xt, hprev], 1);
    const r = F.sigmoid(this.xh_to_r.forward(xh));
    const hprevReset = r.mul(hprev);
    // calculate the candidate new hidden state hbar
    const xhr = cat([xt, hprevReset], 1);
    const hbar = F.tanh(this.xh_to_hbar.forward(xhr));
    // calculate the switch gate that determines if each channel should be updated at all
    const z = F.sigmoid(this.xh_to_z.forward(xh));
    // blend the previous hidden state and the new candidate hidden state
    return F.sub(1, z).mul(hprev).add(z.mul(hbar));
  }
}

export class RNN extends nn.Module {
  readonly blockSize: number;
  readonly vocabSize: number;
  /** The starting hidden state. */
  readonly start: Tensor;
  /** Token embeddings table. */
  readonly wte: nn.Embedding;
  readonly cell: RNNCell | GRUCell;
  readonly lm_head: nn.Linear;
  constructor(config: ModelConfig, cellType: 'rnn' | 'gru') {
    super();
    this.blockSize = config.blockSize;
    this.vocabSize = config.vocabSize;
    this.start = this.registerParameter('start', zeros([1, config.nEmbd2]));
    this.wte = new nn.Embedding(config.vocabSize, config.nEmbd);
    if (cellType === 'rnn') this.cell = new RNNCell(config);
    else if (cellType === 'gru') this.cell = new GRUCell(config);
    else throw new Error(`RNN: cell type must be 'rnn' or 'gru', got '${String(cellType)}'`);
    this.lm_head = new nn.Linear(config.nEmbd2, this.vocabSize);
  }

  getBlockSize(): number { return this.blockSize; }

  forward(idx: Tensor, targets?: Tensor): ModelOutput {
    const [b, t] = idx.shape;
    // embed all the integers up front and all at once for efficiency
    const emb = this.wte.forward(idx); // (b, t, n_embd)
    // sequentially iterate over the inputs and update the RNN state each tick
    let hprev = this.start.expand(b, -1); // expand out the batch dimension
    const hiddens: Tensor[] = [];
    for (let i = 0; i < t; i++) {
      const xt = emb.select(1, i); // (b, n_embd)
      const ht = this.cell.forward(xt, hprev); // (b, n_embd2)
      hprev = ht;
      hiddens.push(ht);
    }
    // decode the outputs
    const hidden = stack(hiddens, 1); // (b, t, n_embd2)
    const logits = this.lm_head.forward(hidden);
    return [logits, lossOf(logits, targets)];
  }
}
