// The page's model.pt (web/runs.ts, in Node): Save model.pt downloads the model's weights as
// torch.save writes them (the same tensors as Save weights); loading a model.pt with the form's
// model and sizes and the names loaded trains from its weights at step 0 (makemore.py's
// --resume), the same run as `new ZooRun(text, settings, { weights })`; without names, with the
// notebook chosen, or with sizes it does not fit, it is refused in the page's words.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, loadTorch, saveTorch } from '../src/index.ts';
import { ZooRun, MAKEMORE_DEFAULTS } from '../src/makemore/zoo/run.ts';
import { decodeModel, decodeTorchModel } from '../src/makemore/zoo/checkpoint.ts';
import { CheckpointError } from '../src/makemore/checkpoint.ts';
import { startRun, ZooPageRun } from '../web/runs.ts';

await init();
const text = ['kamo', 'riel', 'tasu', 'nobi', 'leja', 'roka', 'anel', 'suta', 'bile', 'jaro', 'moan', 'elta'].flatMap((w, i) => [w, w + 'na', `${w}${i % 3 ? 'ri' : ''}`]).join('\n') + '\n';
const fields = { steps: 20, batchSize: 4, learningRate: 1e-3, weightDecay: 0.01, seed: 5, nLayer: 1, nHead: 2, nEmbd: 8, nEmbd2: 12 };

test('page: Save model.pt gives the weights as a torch file, which loads back into a run from step 0', async () => {
  const run = startRun('gru', text, fields);
  const pt = run.save('torch');
  assert.match(pt.name, /^makemore-gru-step0-model\.pt$/);
  const sd = loadTorch(pt.bytes);
  const weights = decodeModel(run.save('weights').bytes).tensors;
  assert.equal(Object.keys(sd).sort(), Object.keys(weights).sort());
  for (const k of Object.keys(weights)) assert.equal(Array.from(sd[k].toArray()), Array.from(weights[k].toArray()), k);

  const loaded = ZooPageRun.fromTorch(text, 'gru', fields, decodeTorchModel(pt.bytes, 'the file'));
  assert.ok(loaded.canTrain);
  assert.is(loaded.step, 0);
  const settings = { ...MAKEMORE_DEFAULTS, type: 'gru' as const, nLayer: 1, nHead: 2, nEmbd: 8, nEmbd2: 12, seed: 5, batchSize: 4, learningRate: 1e-3, weightDecay: 0.01, maxSteps: 20 };
  const direct = new ZooRun(text, settings, { weights: loadTorch(pt.bytes) });
  const a = loaded.save('torch').bytes, b = saveTorch(direct.model.stateDict(), { archive: 'model' });
  assert.ok(a.length === b.length && a.every((x, i) => x === b[i]), 'the same weights as ZooRun given them');
  assert.equal(loaded.info.splits, { train: direct.data.train.length, test: direct.data.test.length }, 'the same split of the names');
});

test('page: a model.pt without names, with the notebook chosen, or of other sizes is refused in words', () => {
  const pt = startRun('bow', text, fields).save('torch').bytes;
  const file = () => decodeTorchModel(pt, 'the file');
  const err = (f: () => unknown) => { try { f(); } catch (e) { assert.instance(e, CheckpointError); return (e as Error).message; } return ''; };
  assert.match(err(() => ZooPageRun.fromTorch(null, 'bow', fields, file())), /load the names it was trained on first/);
  assert.match(err(() => ZooPageRun.fromTorch(text, 'mlp-bn', fields, file())), /first choose the makemore\.py model it is/);
  assert.match(err(() => ZooPageRun.fromTorch(text, 'bow', { ...fields, nEmbd: 16 }, file())), /its weights do not fit a bow of the sizes chosen above .*choose the model and sizes it was trained with/);
});

test.run();
