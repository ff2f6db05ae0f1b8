// The model tools/twin/check.py rebuilds in PyTorch: every nn layer whose state PyTorch must
// load (Embedding, Linear, LayerNorm, BatchNorm1d with its buffers, Sequential and ModuleDict
// nesting) and every activation module, with the same attribute names, so
// `load_state_dict(strict=True)` takes our state dict as is. Kept apart from save.ts so the
// Python twin has one thing to mirror.
import { nn, F, type Tensor } from '../../src/index.ts';

export const VOCAB = 20, CONTEXT = 4, CLASSES = 5;

export class TwinNet extends nn.Module {
  emb = new nn.Embedding(VOCAB, 8);
  body = new nn.Sequential(
    new nn.Linear(8 * CONTEXT, 32), new nn.LayerNorm(32), new nn.GELU({ approximate: 'tanh' }), new nn.Dropout(0.1),
    new nn.Linear(32, 16), new nn.BatchNorm1d(16), new nn.ReLU(), new nn.Linear(16, 16), new nn.Tanh(), new nn.GELU(),
  );
  heads = new nn.ModuleDict({ main: new nn.Linear(16, CLASSES), aux: new nn.Linear(16, 1, { bias: false }) });
  forward(idx: Tensor): Tensor {
    const x = this.emb.forward(idx).flatten(1);
    const h = this.body.forward(x);
    return this.heads.get('main').forward(h).mul(new nn.Sigmoid().forward(this.heads.get('aux').forward(h)));
  }
  loss(idx: Tensor, y: Tensor): Tensor { return F.crossEntropy(this.forward(idx), y); }
}
