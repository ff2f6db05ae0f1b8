// Checkpoints for tests: a small trained-looking model's file, and hostile variants of it
// re-sealed with a valid checksum (what a crafted file would carry), or left unsealed (damage).
import { init, Generator } from '../../src/index.ts';
import { MLP } from '../../src/makemore/model.ts';
import { encodeCheckpoint, checksum } from '../../src/makemore/checkpoint.ts';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../../src/safetensors.ts';

/** A checkpoint of a small notebook model (vocab '.abc', block 3, embed 4, hidden 8). */
export async function smallCheckpoint(opts: { batchnorm?: boolean; itos?: string[] } = {}): Promise<Uint8Array> {
  await init();
  const itos = opts.itos ?? ['.', 'a', 'b', 'c'];
  const g = new Generator().manualSeed(7);
  const model = new MLP({ vocabSize: itos.length, blockSize: 3, nEmbed: 4, nHidden: 8, batchnorm: opts.batchnorm ?? true }, g);
  return encodeCheckpoint(model, itos, { seed: 7, batchSize: 8, schedule: { lr: 0.1, decayAt: 50, lrAfter: 0.01 }, step: 10, steps: 100, generator: g.getState() });
}

/** Decodes the file, lets `edit` change its tensors and metadata, and encodes it again. */
export function rewrite(bytes: Uint8Array, edit: (tensors: Record<string, SafeTensor>, meta: Record<string, string>) => void, opts: { seal?: boolean } = {}): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(bytes);
  edit(tensors, metadata);
  if (opts.seal ?? true) metadata.checksum = checksum(tensors, metadata);
  return encodeSafetensors(tensors, metadata);
}
