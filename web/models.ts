// The models the page trains and the settings each one takes, from which the page draws its
// settings form. One model today (the notebook's); a model chooser adds entries here and sends
// its id with the run (worker.ts makeSession is where a run is built).

export interface Field {
  /** The RunConfig key. */
  key: string;
  label: string;
  value: number;
  min?: number;
  max?: number;
  /** 'any' for real numbers; whole numbers otherwise. */
  step?: 'any';
  help: string;
}

export interface ModelSpec { id: string; label: string; fields: Field[] }

/** What every model's run takes: how long, how fast, and the seed of its init and batches. */
export const TRAINING: Field[] = [
  { key: 'steps', label: 'steps', value: 200000, min: 1, max: 1000000, help: 'minibatch SGD steps' },
  { key: 'batchSize', label: 'batch size', value: 32, min: 1, max: 4096, help: 'examples per step' },
  { key: 'lr', label: 'learning rate', value: 0.1, step: 'any', help: 'for the first half of the steps' },
  { key: 'lrAfter', label: 'after the decay', value: 0.01, step: 'any', help: 'for the second half' },
  { key: 'seed', label: 'seed', value: 42, min: 0, max: 4294967295, help: 'of the init, split and minibatches' },
];

export const MODELS: ModelSpec[] = [{
  id: 'mlp-bn',
  label: 'MLP with batch norm (makemore part 3)',
  fields: [
    { key: 'blockSize', label: 'block size', value: 3, min: 1, max: 64, help: 'characters of context' },
    { key: 'nEmbed', label: 'embedding', value: 10, min: 1, max: 1024, help: 'numbers per character' },
    { key: 'nHidden', label: 'hidden units', value: 200, min: 1, max: 4096, help: 'neurons in the tanh layer' },
  ],
}];
