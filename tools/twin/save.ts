// Writes a trained wasmgrad model for its PyTorch twin (tools/twin/check.py): builds TwinNet,
// trains it a few AdamW steps (so no weight is at its initial value and the batch-norm buffers
// have moved), then writes DIR/model.safetensors (the state dict, as saveSafetensors writes it)
// and DIR/io.json (an input batch and the model's eval-mode output on it).
//   node --import tsx tools/twin/save.ts DIR && /usr/bin/python3 tools/twin/check.py DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { init, manualSeed, randint, optim, noGrad, saveSafetensors, Generator } from '../../src/index.ts';
import { TwinNet, VOCAB, CONTEXT, CLASSES } from './model.ts';

const dir = process.argv[2];
if (!dir) { console.error('usage: node --import tsx tools/twin/save.ts DIR'); process.exit(2); }
await init();
manualSeed(1);
const model = new TwinNet();
const opt = new optim.AdamW(model.parameters(), { lr: 1e-2 });
const g = new Generator().manualSeed(2);
const X = randint(0, VOCAB, [64, CONTEXT], { generator: g }), Y = randint(0, CLASSES, [64], { generator: g });
for (let i = 0; i < 20; i++) {
  const loss = model.loss(X, Y);
  opt.zeroGrad(); loss.backward(); opt.step();
}
model.eval();
const x = randint(0, VOCAB, [8, CONTEXT], { generator: g });
const y = noGrad(() => model.forward(x));
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'model.safetensors'), saveSafetensors(model.stateDict()));
writeFileSync(join(dir, 'io.json'), JSON.stringify({ keys: Object.keys(model.stateDict()), x: Array.from(x.toArray()), shape: x.shape, y: Array.from(y.toArray()) }));
console.log(`wrote ${dir}/model.safetensors (${Object.keys(model.stateDict()).length} tensors) and ${dir}/io.json`);
