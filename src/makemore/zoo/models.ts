// The six makemore.py models by their --type names, and what each one reports about itself.
import type { nn, Tensor } from '../../index.ts';
import type { ModelConfig, ModelOutput } from './config.ts';
import { Transformer } from './transformer.ts';
import { Bigram } from './bigram.ts';
import { MLP } from './mlp.ts';
import { RNN } from './rnn.ts';
import { BoW } from './bow.ts';

export const MODEL_TYPES = ['bigram', 'mlp', 'rnn', 'gru', 'bow', 'transformer'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

/** What the training loop, evaluation and sampling need of a model. */
export interface LanguageModel extends nn.Module {
  forward(idx: Tensor, targets?: Tensor): ModelOutput;
  getBlockSize(): number;
}

/** makemore.py's `if args.type == 'transformer': model = Transformer(config) ...`. */
export function createModel(type: ModelType, config: ModelConfig): LanguageModel {
  switch (type) {
    case 'transformer': return new Transformer(config);
    case 'bigram': return new Bigram(config);
    case 'mlp': return new MLP(config);
    case 'rnn': return new RNN(config, 'rnn');
    case 'gru': return new RNN(config, 'gru');
    case 'bow': return new BoW(config);
    default: throw new Error(`model type ${String(type)} is not recognized; use ${MODEL_TYPES.join(', ')}`);
  }
}

/** sum(p.numel() for p in model.parameters()). */
export const numParams = (model: nn.Module): number => model.parameters().reduce((n, p) => n + p.numel(), 0);
