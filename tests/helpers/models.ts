// Small training steps for the compiled-program tests (tests/compile/): the notebook's model,
// makemore part 3's deeper batch-norm net, a ReLU/softmax classifier, a functional net that goes
// through most other kernels (views, reductions, unary ops, label smoothing, Nesterov) and one of
// activations and other element-wise ops, each on random data from its own seed (the numbers need
// not mean anything, only match between runs), and a causal self-attention block as makemore's
// Transformer trains it (Linear (out, in), LayerNorm, batched matmul, maskedFill, GELU, AdamW).
import { Generator, randint, randn, ones, F, nn, optim, type Tensor } from '../../src/index.ts';
import { MLP } from '../../src/makemore/model.ts';

export interface Model { step: (ix: Tensor) => Tensor; tensors: () => Tensor[]; n: number; g: Generator }

/** Fresh models: step(ix) trains on rows ix of the model's n rows; tensors() are its parameters and buffers. */
export const MODELS: Record<string, () => Model> = {
  // the notebook's model and training step (makemore part 3: src/makemore/model.ts, SGD)
  notebook: () => {
    const g = new Generator().manualSeed(42);
    const X = randint(0, 27, [2000, 3], { generator: g }), Y = randint(0, 27, [2000], { generator: g });
    const m = new MLP({ vocabSize: 27, blockSize: 3, nEmbed: 10, nHidden: 200, batchnorm: true }, g);
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    return {
      g, n: 2000, tensors: () => [...m.parameters(), m.bnmeanRunning!, m.bnstdRunning!],
      step: (ix) => { const loss = m.loss(X.index(ix), Y.index(ix)); opt.zeroGrad(); loss.backward(); opt.step(); return loss; },
    };
  },
  // makemore part 3's deeper net: 4 x [Linear(bias false), BatchNorm1d, Tanh]
  deep: () => {
    const g = new Generator().manualSeed(7);
    const X = randint(0, 27, [1000, 3], { generator: g }), Y = randint(0, 27, [1000], { generator: g });
    const layers: nn.Module[] = [new nn.Embedding(27, 10, { generator: g }), new nn.Flatten()];
    let fan = 30;
    for (let i = 0; i < 4; i++) { layers.push(new nn.Linear(fan, 100, { bias: false, generator: g }), new nn.BatchNorm1d(100), new nn.Tanh()); fan = 100; }
    layers.push(new nn.Linear(fan, 27, { generator: g }));
    const model = new nn.Sequential(...layers);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    return {
      g, n: 1000, tensors: () => [...model.parameters(), ...model.buffers()],
      step: (ix) => { const loss = F.crossEntropy(model.forward(X.index(ix)), Y.index(ix)); opt.zeroGrad(); loss.backward(); opt.step(); return loss; },
    };
  },
  // a small classifier: ReLU (as x * (x > 0)), softmax, log and NLL, momentum SGD
  relu: () => {
    const g = new Generator().manualSeed(3);
    const X = randn([600, 20], { generator: g }), Y = randint(0, 10, [600], { generator: g });
    const W1 = randn([20, 64], { generator: g }).mul(0.2), b1 = randn([64], { generator: g }).mul(0.1);
    const W2 = randn([64, 10], { generator: g }).mul(0.2), b2 = randn([10], { generator: g }).mul(0.1);
    const ps = [W1, b1, W2, b2];
    for (const p of ps) p.requiresGrad = true;
    const opt = new optim.SGD(ps, { lr: 0.05, momentum: 0.9 });
    return {
      g, n: 600, tensors: () => ps,
      step: (ix) => {
        const h = X.index(ix).matmul(W1).add(b1);
        const logits = h.mul(h.gt(0)).matmul(W2).add(b2);
        const loss = F.nllLoss(F.softmax(logits, 1).log(), Y.index(ix));
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  },
  // functional code over most other kernels: strided views and their gradients, sums over each
  // dim, mean and variance, exp/log/log10/sqrt/pow/neg, division, log-softmax and label smoothing
  ops: () => {
    const g = new Generator().manualSeed(11);
    const X = randn([400, 12], { generator: g }), Y = randint(0, 6, [400], { generator: g });
    const W = randn([12, 24], { generator: g }).mul(0.3), V = randn([24, 6], { generator: g }).mul(0.3), s = randn([24], { generator: g }).mul(0.1);
    const ps = [W, V, s];
    for (const p of ps) p.requiresGrad = true;
    const opt = new optim.SGD(ps, { lr: 0.02, momentum: 0.8, nesterov: true, weightDecay: 1e-3 });
    return {
      g, n: 400, tensors: () => ps,
      step: (ix) => {
        const x = X.index(ix);
        const h = x.matmul(W).tanh().T.contiguous().T;                          // a transposed copy and back
        const z = h.sub(h.mean(0, true)).div(h.var(0, true).add(1e-3).sqrt());  // column statistics
        const r = z.pow(2).add(1).log().add(z.exp().mul(0.01)).sub(z.narrow(1, 0, 12).sum(1, true).expand(32, 24).mul(0.05));
        const q = r.mul(s.add(1)).add(h.neg().mul(0.1)).add(z.pow(2).add(1).log10().mul(0.1));
        const logits = q.matmul(V).add(F.logSoftmax(q.narrow(1, 0, 6), 1).mul(0.1));
        const loss = F.crossEntropy(logits, Y.index(ix), { labelSmoothing: 0.1 });
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  },
  // activations and other element-wise ops: relu, sigmoid, gelu (both forms), sin/cos/abs, clamp
  // with number and tensor bounds, where, pow with a tensor exponent, reciprocal and rsqrt
  act: () => {
    const g = new Generator().manualSeed(13);
    const X = randn([300, 12], { generator: g }), Y = randint(0, 5, [300], { generator: g });
    const W1 = randn([12, 20], { generator: g }).mul(0.4), W2 = randn([20, 5], { generator: g }).mul(0.4);
    const e = randn([20], { generator: g }).mul(0.2), lo = randn([20], { generator: g }).mul(0.1).sub(1);
    const ps = [W1, W2, e, lo];
    for (const p of ps) p.requiresGrad = true;
    const opt = new optim.SGD(ps, { lr: 0.05 });
    return {
      g, n: 300, tensors: () => ps,
      step: (ix) => {
        const h = X.index(ix).matmul(W1);
        const a = h.relu().add(h.sigmoid()).add(F.gelu(h)).add(F.gelu(h, { approximate: 'tanh' }));
        const b = a.sin().mul(0.5).add(a.cos().mul(0.5)).add(a.abs().mul(0.1));
        const c = b.clamp(-1, 2).add(b.clamp(lo, lo.add(3)));
        const d = F.where(c.gt(0), c, c.mul(0.1)).add(2).pow(e.add(1));
        const f = d.add(1).reciprocal().add(d.add(1).rsqrt());
        const loss = F.crossEntropy(f.matmul(W2), Y.index(ix));
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  },
  // a causal self-attention block as makemore's Transformer: Embedding, LayerNorm, Linear (out,
  // in), heads by view/transpose, batched matmul, a causal maskedFill, softmax, GELU MLP, AdamW
  attn: () => {
    const g = new Generator().manualSeed(17);
    const T = 8, C = 16, H = 2, B = 32;
    const X = randint(0, 27, [500, T], { generator: g }), Y = randint(0, 27, [500, T], { generator: g });
    const wte = new nn.Embedding(27, C, { generator: g }), ln1 = new nn.LayerNorm(C), ln2 = new nn.LayerNorm(C);
    const attn = new nn.Linear(C, 3 * C, { generator: g }), proj = new nn.Linear(C, C, { generator: g });
    const fc = new nn.Linear(C, 4 * C, { generator: g }), out = new nn.Linear(4 * C, C, { generator: g }), head = new nn.Linear(C, 27, { generator: g });
    const model = new nn.ModuleList([wte, ln1, ln2, attn, proj, fc, out, head]);
    const causal = ones([T, T]).tril().eq(0);
    const opt = new optim.AdamW(model.parameters(), { lr: 1e-2, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.01 });
    return {
      g, n: 500, tensors: () => [...model.parameters()],
      step: (ix) => {
        let x = wte.forward(X.index(ix));
        const [q, k, v] = attn.forward(ln1.forward(x)).split(C, 2).map((t) => t.view(B, T, H, C / H).transpose(1, 2));
        const att = F.softmax(q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(C / H)).maskedFill(causal, -Infinity), -1);
        x = x.add(proj.forward(att.matmul(v).transpose(1, 2).contiguous().view(B, T, C)));
        x = x.add(out.forward(F.gelu(fc.forward(ln2.forward(x)))));
        const loss = F.crossEntropy(head.forward(x).view(-1, 27), Y.index(ix).view(-1));
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  },
};
