// A resume file edited and re-sealed (its checksum made again, so only its contents can tell):
// every field of the metadata set to null, a negative, a huge number, a fraction, a string, an
// empty array or object, or deleted; every tensor dropped, reshaped or renamed. Each must be
// refused as a damaged file (CheckpointError, one line) or load into a run that trains; never an
// internal error (a TypeError, a kernel's complaint, an index out of range).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../../src/index.ts';
import { ZooRun, MAKEMORE_DEFAULTS, type ZooSettings } from '../../src/makemore/zoo/run.ts';
import { decodeState, decodeModel } from '../../src/makemore/zoo/checkpoint.ts';
import { CheckpointError, checksum } from '../../src/makemore/checkpoint.ts';
import { DivergenceError } from '../../src/makemore/divergence.ts';
import { DataError } from '../../src/makemore/data.ts';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../../src/safetensors.ts';

await init();

const syl = ['ka', 'ri', 'mo', 'an', 'el', 'ta', 'su', 'no'];
let seed = 5;
const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
const text = Array.from({ length: 120 }, () => Array.from({ length: 1 + (next() % 3) }, () => syl[next() % syl.length]).join('')).join('\n');

const settings: ZooSettings = { ...MAKEMORE_DEFAULTS, type: 'transformer', nLayer: 1, nHead: 2, nEmbd: 8, batchSize: 4, maxSteps: 6 };
const run = new ZooRun(text, settings);
await run.train({ print: () => {} });
const good = run.stateBytes();

/** Every path to a leaf (or an empty container) of a JSON value; of a long array, its ends and middle. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object' || !Object.keys(v).length) return [at];
  const entries = Object.entries(v);
  const some = Array.isArray(v) && v.length > 4 ? [0, 1, v.length >> 1, v.length - 1].map((i) => entries[i]) : entries;
  return [at, ...some.flatMap(([k, x]) => paths(x, [...at, Array.isArray(v) ? Number(k) : k]))];
}
function setAt(v: unknown, path: (string | number)[], value: unknown, remove: boolean): unknown {
  if (!path.length) return value;
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) { if (Array.isArray(o)) o.splice(Number(last), 1); else delete o[last]; } else o[last] = value;
  return copy;
}
const VALUES: unknown[] = [null, -1, 1e12, 0.5, 'x', [], {}, true];

function reseal(tensors: Record<string, SafeTensor>, meta: Record<string, string>): Uint8Array {
  const m = { ...meta };
  delete m.checksum;
  m.checksum = checksum(tensors, m);
  return encodeSafetensors(tensors, m);
}

/** The mutants: [what was changed, the bytes]. */
function mutants(): [string, Uint8Array][] {
  const { tensors, metadata } = decodeSafetensors(good);
  const out: [string, Uint8Array][] = [];
  for (const key of Object.keys(metadata)) {
    if (key === 'checksum') continue;
    out.push([`metadata '${key}' deleted`, reseal(tensors, Object.fromEntries(Object.entries(metadata).filter(([k]) => k !== key)))]);
    let parsed: unknown;
    try { parsed = JSON.parse(metadata[key]); } catch { parsed = metadata[key]; }
    for (const path of paths(parsed)) {
      for (const value of [...VALUES, undefined]) {
        if (!path.length && value === undefined) continue; // (the key deleted: above)
        const changed = setAt(parsed, path, value, value === undefined);
        const what = `${key}${path.map((p) => `[${JSON.stringify(p)}]`).join('')} ${value === undefined ? 'deleted' : `= ${JSON.stringify(value)}`}`;
        out.push([what, reseal(tensors, { ...metadata, [key]: typeof changed === 'string' ? changed : JSON.stringify(changed) })]);
      }
    }
  }
  for (const name of Object.keys(tensors)) {
    const t = tensors[name];
    out.push([`tensor ${name} dropped`, reseal(Object.fromEntries(Object.entries(tensors).filter(([k]) => k !== name)), metadata)]);
    out.push([`tensor ${name} renamed`, reseal({ ...Object.fromEntries(Object.entries(tensors).filter(([k]) => k !== name)), [`${name}x`]: t }, metadata)]);
    const n = t.data.length;
    const wrong = n > 1 ? [n - 1] : [2];
    out.push([`tensor ${name} reshaped to [${wrong}]`, reseal({ ...tensors, [name]: { ...t, shape: wrong, data: (t.data as Float32Array).slice(0, wrong[0]) } }, metadata)]);
    if (t.shape.length === 2) out.push([`tensor ${name} transposed`, reseal({ ...tensors, [name]: { ...t, shape: [t.shape[1], t.shape[0]] } }, metadata)]);
  }
  return out;
}

test('zoo checkpoint: 500+ re-sealed mutants of a resume file are refused as damaged or train; none is an internal error', async () => {
  const all = mutants();
  assert.ok(all.length >= 500, `${all.length} mutants`);
  const internal: string[] = [];
  let refused = 0, trained = 0;
  for (const [what, bytes] of all) {
    try {
      const saved = decodeState(bytes, 'resume.safetensors');
      const r = ZooRun.resume(text, saved, { maxSteps: saved.step + 2 }, { source: 'resume.safetensors' });
      await r.train({ print: () => {} });
      decodeState(r.stateBytes()); // what it saves reads back
      trained++;
    } catch (e) {
      if (e instanceof CheckpointError || e instanceof DataError || e instanceof DivergenceError) refused++; // (a learning rate of 1e12: a user's error, said as one)
      else internal.push(`${what}: ${(e as Error)?.constructor?.name} ${(e as Error)?.message}`);
    }
  }
  assert.equal(internal.slice(0, 20), [], `${internal.length} internal errors of ${all.length} (${refused} refused, ${trained} trained)`);
  assert.ok(refused > all.length / 2, `${refused} refused, ${trained} trained`);
});

test('zoo checkpoint: re-sealed mutants of a model file are refused as damaged (or as not fitting, as the command says) or sample; none is an internal error', () => {
  const { tensors, metadata } = decodeSafetensors(run.modelBytes(run.step, null));
  const all: [string, Uint8Array][] = [];
  for (const key of Object.keys(metadata)) {
    if (key === 'checksum') continue;
    let parsed: unknown;
    try { parsed = JSON.parse(metadata[key]); } catch { parsed = metadata[key]; }
    for (const path of paths(parsed)) {
      for (const value of VALUES) {
        const changed = setAt(parsed, path, value, false);
        all.push([`${key}${JSON.stringify(path)} = ${JSON.stringify(value)}`, reseal(tensors, { ...metadata, [key]: typeof changed === 'string' ? changed : JSON.stringify(changed) })]);
      }
    }
  }
  for (const name of Object.keys(tensors)) {
    all.push([`tensor ${name} dropped`, reseal(Object.fromEntries(Object.entries(tensors).filter(([k]) => k !== name)), metadata)]);
    const t = tensors[name], n = Math.max(1, t.data.length - 1);
    all.push([`tensor ${name} reshaped`, reseal({ ...tensors, [name]: { ...t, shape: [n], data: (t.data as Float32Array).slice(0, n) } }, metadata)]);
  }
  const internal: string[] = [];
  let refused = 0;
  for (const [what, bytes] of all) {
    try {
      const m = decodeModel(bytes, 'model.safetensors');
      const b = m.info?.settings ?? settings;
      new ZooRun(text, { ...MAKEMORE_DEFAULTS, type: b.type, nLayer: b.nLayer, nHead: b.nHead, nEmbd: b.nEmbd, nEmbd2: b.nEmbd2 }, { weights: m.tensors }).sample(5);
    } catch (e) {
      // (`wasmgrad makemore` says a state dict that loadStateDict refuses does not fit, naming the flags)
      if (e instanceof CheckpointError || e instanceof DataError || /^loadStateDict: /.test((e as Error).message)) refused++;
      else internal.push(`${what}: ${(e as Error)?.constructor?.name} ${(e as Error)?.message}`);
    }
  }
  assert.ok(all.length >= 250, `${all.length} mutants`);
  assert.equal(internal.slice(0, 20), [], `${internal.length} internal errors of ${all.length} (${refused} refused)`);
});

test.run();
