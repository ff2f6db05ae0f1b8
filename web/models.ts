// The models the page trains and the settings each one takes, from which the page draws its
// settings form and the worker checks a run's settings: the notebook's MLP with batch norm, and
// makemore.py's six models (src/makemore/zoo), each with makemore.py's defaults. The worker
// builds a run from a model's id (runs.ts startRun).

export interface Field {
  /** The setting's key (the worker's name for it). */
  key: string;
  label: string;
  value: number;
  min?: number;
  max?: number;
  /** 'any' for real numbers; whole numbers otherwise. */
  step?: 'any';
  help: string;
}

export interface ModelSpec {
  id: string;
  label: string;
  /** 'notebook': makemore part 3's run (Session); 'zoo': makemore.py's (ZooRun). */
  kind: 'notebook' | 'zoo';
  /** The chart's second line: the notebook's validation loss, or makemore.py's test loss. */
  heldOut: 'val' | 'test';
  fields: Field[];
  training: Field[];
  /** Under the settings: where the defaults come from. */
  note: string;
}

const SEED_MAX = 4294967295;

/** The notebook's run: how long, how fast, and the seed of its init and batches. */
const NOTEBOOK_TRAINING: Field[] = [
  { key: 'steps', label: 'steps', value: 200000, min: 1, max: 1000000, help: 'minibatch SGD steps' },
  { key: 'batchSize', label: 'batch size', value: 32, min: 1, max: 4096, help: 'examples per step' },
  { key: 'lr', label: 'learning rate', value: 0.1, step: 'any', help: 'for the first half of the steps' },
  { key: 'lrAfter', label: 'after the decay', value: 0.01, step: 'any', help: 'for the second half' },
  { key: 'seed', label: 'seed', value: 42, min: 0, max: SEED_MAX, help: 'of the init, split and minibatches' },
];

/** makemore.py's run: AdamW at a constant rate; its seed makes the split, the init and the batches. */
const ZOO_TRAINING: Field[] = [
  { key: 'steps', label: 'steps', value: 2000, min: 1, max: 1000000, help: 'AdamW steps (makemore.py: --max-steps)' },
  { key: 'batchSize', label: 'batch size', value: 32, min: 1, max: 4096, help: 'words per step' },
  { key: 'learningRate', label: 'learning rate', value: 5e-4, min: 0, step: 'any', help: 'AdamW\'s, constant' },
  { key: 'weightDecay', label: 'weight decay', value: 0.01, min: 0, step: 'any', help: 'AdamW\'s decoupled weight decay' },
  { key: 'seed', label: 'seed', value: 3407, min: 0, max: SEED_MAX, help: 'of the split, init, batches and samples' },
];

const nEmbd: Field = { key: 'nEmbd', label: 'embedding', value: 64, min: 1, max: 1024, help: 'numbers per character (n_embd)' };
const nEmbd2: Field = { key: 'nEmbd2', label: 'hidden', value: 64, min: 1, max: 1024, help: 'feature channels elsewhere in the model (n_embd2)' };
const ZOO_NOTE = 'Defaults are makemore.py\'s (its --max-steps has no default; the page stops at the steps above). The test loss is its evaluation every 500 steps.';

export const MODELS: ModelSpec[] = [
  {
    id: 'mlp-bn', label: 'MLP with batch norm (makemore part 3)', kind: 'notebook', heldOut: 'val',
    fields: [
      { key: 'blockSize', label: 'block size', value: 3, min: 1, max: 64, help: 'characters of context' },
      { key: 'nEmbed', label: 'embedding', value: 10, min: 1, max: 1024, help: 'numbers per character' },
      { key: 'nHidden', label: 'hidden units', value: 200, min: 1, max: 4096, help: 'neurons in the tanh layer' },
    ],
    training: NOTEBOOK_TRAINING,
    note: 'Defaults are the notebook\'s. The learning rate drops to the second one halfway.',
  },
  { id: 'bigram', label: 'Bigram (makemore.py)', kind: 'zoo', heldOut: 'test', fields: [], training: ZOO_TRAINING, note: ZOO_NOTE },
  { id: 'mlp', label: 'MLP (makemore.py, Bengio et al. 2003)', kind: 'zoo', heldOut: 'test', fields: [nEmbd, nEmbd2], training: ZOO_TRAINING, note: ZOO_NOTE },
  { id: 'rnn', label: 'RNN (makemore.py)', kind: 'zoo', heldOut: 'test', fields: [nEmbd, nEmbd2], training: ZOO_TRAINING, note: ZOO_NOTE },
  { id: 'gru', label: 'GRU (makemore.py)', kind: 'zoo', heldOut: 'test', fields: [nEmbd, nEmbd2], training: ZOO_TRAINING, note: ZOO_NOTE },
  { id: 'bow', label: 'Bag of words (makemore.py)', kind: 'zoo', heldOut: 'test', fields: [nEmbd, nEmbd2], training: ZOO_TRAINING, note: ZOO_NOTE },
  {
    id: 'transformer', label: 'Transformer (makemore.py, GPT-2 style)', kind: 'zoo', heldOut: 'test',
    fields: [
      { key: 'nLayer', label: 'layers', value: 4, min: 1, max: 32, help: 'transformer blocks (n_layer)' },
      { key: 'nHead', label: 'heads', value: 4, min: 1, max: 64, help: 'attention heads; must divide the embedding (n_head)' },
      nEmbd,
    ],
    training: ZOO_TRAINING,
    note: ZOO_NOTE,
  },
];

export const modelById = (id: string): ModelSpec | undefined => MODELS.find((m) => m.id === id);

/** The first setting that is not a number in its field's range, said in the page's words; or null. */
export function fieldProblem(spec: ModelSpec, values: Record<string, number>): string | null {
  for (const f of [...spec.fields, ...spec.training]) {
    const v = values[f.key];
    const whole = f.step !== 'any';
    const range = f.min !== undefined && f.max !== undefined ? ` from ${f.min} to ${f.max}` : f.min !== undefined ? ` of at least ${f.min}` : '';
    if (typeof v !== 'number' || !Number.isFinite(v) || (whole && !Number.isSafeInteger(v)) || (f.min !== undefined && v < f.min) || (f.max !== undefined && v > f.max)) {
      return `${f.label} must be ${whole ? 'a whole number' : 'a number'}${range}, got ${typeof v === 'number' && !Number.isNaN(v) ? v : 'nothing'}`;
    }
  }
  return null;
}
