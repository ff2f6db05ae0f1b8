import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { encodeSafetensors, decodeSafetensors, SafetensorsError, type SafeTensor, type SafeDtype } from '../src/safetensors.ts';

const enc = new TextEncoder();

/** u64 LE length + header text (optionally space-padded to 8) + data: a file built by hand. */
function file(header: string, data: number[] | Uint8Array = [], opts: { pad?: boolean; n?: bigint } = {}): Uint8Array {
  let h = enc.encode(header);
  if (opts.pad) h = enc.encode(header + ' '.repeat((8 - (h.length % 8)) % 8));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, opts.n ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const f32le = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);

function bytesOf(t: SafeTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

function assertSameTensor(got: SafeTensor, want: SafeTensor, what: string): void {
  assert.is(got.dtype, want.dtype, `${what} dtype`);
  assert.equal(got.shape, want.shape, `${what} shape`);
  assert.is(Object.prototype.toString.call(got.data), Object.prototype.toString.call(want.data), `${what} array type`);
  assert.equal(Array.from(bytesOf(got)), Array.from(bytesOf(want)), `${what} bytes`);
  assert.is(got.data.byteOffset % got.data.BYTES_PER_ELEMENT, 0, `${what} aligned`);
}

function throwsSafetensors(bytes: Uint8Array, pattern: RegExp): void {
  try {
    decodeSafetensors(bytes);
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw new Error(`expected SafetensorsError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    assert.match(e.message, pattern);
    return;
  }
  throw new Error(`expected SafetensorsError matching ${pattern}, but decoding succeeded`);
}

const EXAMPLES: Record<string, SafeTensor> = {
  f32: { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2.5, NaN, Infinity, -0, 3.4e38]) },
  f64: { dtype: 'F64', shape: [3], data: new Float64Array([Math.PI, -1e300, Number.MIN_VALUE]) },
  i32: { dtype: 'I32', shape: [2, 2], data: new Int32Array([0, -1, 2 ** 31 - 1, -(2 ** 31)]) },
  i64: { dtype: 'I64', shape: [2], data: new BigInt64Array([2n ** 63n - 1n, -(2n ** 63n)]) },
  u8: { dtype: 'U8', shape: [5], data: new Uint8Array([0, 1, 127, 128, 255]) },
  scalar_f32: { dtype: 'F32', shape: [], data: new Float32Array([42]) },
  scalar_i64: { dtype: 'I64', shape: [], data: new BigInt64Array([-7n]) },
  empty_f64: { dtype: 'F64', shape: [0], data: new Float64Array(0) },
  empty_u8: { dtype: 'U8', shape: [3, 0, 2], data: new Uint8Array(0) },
  odd_u8: { dtype: 'U8', shape: [3], data: new Uint8Array([9, 8, 7]) },
};

test('safetensors: round trip is exact for every dtype, scalars and empty tensors', () => {
  const bytes = encodeSafetensors(EXAMPLES, { format: 'pt', note: 'héllo ✓' });
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.equal(Object.keys(tensors).sort(), Object.keys(EXAMPLES).sort());
  for (const name of Object.keys(EXAMPLES)) assertSameTensor(tensors[name], EXAMPLES[name], name);
  assert.equal(metadata, { format: 'pt', note: 'héllo ✓' });
});

test('safetensors: each dtype alone round-trips, with and without metadata', () => {
  for (const [name, t] of Object.entries(EXAMPLES)) {
    const got = decodeSafetensors(encodeSafetensors({ [name]: t }));
    assertSameTensor(got.tensors[name], t, name);
    assert.equal(got.metadata, {});
  }
  assert.equal(decodeSafetensors(encodeSafetensors({})), { tensors: {}, metadata: {} });
});

test('safetensors: the writer matches the reference writer byte for byte', () => {
  // Expected bytes from huggingface/safetensors tensor.rs tests (test_empty,
  // test_serialization_forced_alignement), rebuilt here from their header text.
  assert.equal(Array.from(encodeSafetensors({})), [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  assert.equal(Array.from(encodeSafetensors({}, { framework: 'pt' })),
    Array.from(file('{"__metadata__":{"framework":"pt"}}', [], { pad: true })));
  const attn0 = { dtype: 'F32' as const, shape: [1, 1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) };
  const want = file('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ', [
    0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64]);
  assert.is(want[0], 72);
  assert.equal(Array.from(encodeSafetensors({ attn0 })), Array.from(want));
});

test('safetensors: tensors are ordered widest dtype first, then by name, so all are aligned', () => {
  const bytes = encodeSafetensors({
    b: { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) },
    z: { dtype: 'F32', shape: [1], data: new Float32Array([1]) },
    a: { dtype: 'F32', shape: [1], data: new Float32Array([2]) },
    i: { dtype: 'I32', shape: [1], data: new Int32Array([3]) },
    c: { dtype: 'I64', shape: [1], data: new BigInt64Array([4n]) },
    d: { dtype: 'F64', shape: [1], data: new Float64Array([5]) },
  });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.is(n % 8, 0, 'header padded to 8');
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.is(header.trimEnd(), '{' + [
    '"c":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}',
    '"d":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}',
    '"a":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}',
    '"z":{"dtype":"F32","shape":[1],"data_offsets":[20,24]}',
    '"i":{"dtype":"I32","shape":[1],"data_offsets":[24,28]}',
    '"b":{"dtype":"U8","shape":[3],"data_offsets":[28,31]}',
  ].join(',') + '}');
  assert.is(bytes.length, 8 + n + 31);
});

test('safetensors: a hand-built file decodes as expected', () => {
  // Tensors listed out of offset order, extra whitespace and an unknown field: all allowed.
  const header = '{ "W1" : {"dtype":"F32","shape":[2,2],"data_offsets":[8,24], "extra": 1},\n' +
    '  "__metadata__": {"step": "200000"},\n  "ix": {"dtype":"I32","shape":[2],"data_offsets":[0,8]} }';
  const data = [1, 0, 0, 0, 255, 255, 255, 255, ...f32le([0.5, -1, 2, 1e-3])];
  const { tensors, metadata } = decodeSafetensors(file(header, data));
  assert.equal(metadata, { step: '200000' });
  assert.equal(Object.keys(tensors), ['ix', 'W1'], 'in data order');
  assert.equal(tensors.ix, { dtype: 'I32', shape: [2], data: new Int32Array([1, -1]) });
  assert.equal(tensors.W1, { dtype: 'F32', shape: [2, 2], data: new Float32Array([0.5, -1, 2, 1e-3]) });
});

test('safetensors: decoding a view at an odd offset gives aligned copies', () => {
  const good = encodeSafetensors(EXAMPLES);
  const big = new Uint8Array(good.length + 3);
  big.set(good, 3);
  const view = big.subarray(3);
  const { tensors } = decodeSafetensors(view);
  for (const name of Object.keys(EXAMPLES)) assertSameTensor(tensors[name], EXAMPLES[name], name);
  (tensors.u8.data as Uint8Array)[0] = 99;
  assert.equal(Array.from(decodeSafetensors(view).tensors.u8.data as Uint8Array), [0, 1, 127, 128, 255], 'a copy, not a view');
});

test('safetensors: a pooled Node Buffer (what fs.readFile returns) decodes to copies', () => {
  const buf = Buffer.from(encodeSafetensors(EXAMPLES));
  const { tensors } = decodeSafetensors(buf);
  for (const name of Object.keys(EXAMPLES)) assertSameTensor(tensors[name], EXAMPLES[name], name);
  assert.is(tensors.f64.data.buffer.byteLength, 24, 'owns its buffer');
});

test('safetensors: "__proto__" and unicode names survive', () => {
  const t: SafeTensor = { dtype: 'U8', shape: [1], data: new Uint8Array([7]) };
  const input: Record<string, SafeTensor> = {};
  Object.defineProperty(input, '__proto__', { value: t, enumerable: true });
  input['名前 😀'] = t;
  const got = decodeSafetensors(encodeSafetensors(input));
  assert.equal(Object.keys(got.tensors).sort(), ['__proto__', '名前 😀']);
  assert.is(Object.getPrototypeOf(got.tensors), Object.prototype);
});

test('safetensors: failures are SafetensorsError with a readable message', () => {
  const ok = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const eight = f32le([1, 2]);
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /0 bytes is too short/],
    ['7 bytes', new Uint8Array(7), /7 bytes is too short/],
    ['absurd header length', file(ok, eight, { n: 2n ** 60n }), /header length field says 1152921504606846976 bytes/],
    ['max u64 header length', file(ok, eight, { n: 2n ** 64n - 1n }), /over the 100000000-byte limit/],
    ['header beyond file', file('{}', [], { n: 4096n }), /truncated: header says 4096 bytes of header but the file has 2 bytes/],
    ['not UTF-8', file('{"\xff"}').map((b, i) => (i === 10 ? 0xff : b)), /not valid UTF-8/],
    ['not JSON', file('{"a": nope}'), /header is not JSON/],
    ['not starting with {', file('hello world'), /must be a JSON object starting with '\{', but it starts/],
    ['leading BOM', file('\ufeff{}'), /must be a JSON object starting with '\{', but it starts/],
    ['JSON array', file('[1,2]'), /must be a JSON object starting with '\{', but it starts/],
    ['JSON object then junk', file('{} x'), /header is not JSON/],
    ['entry not object', file('{"a":[1]}'), /tensor "a": expected an object/],
    ['unknown dtype', file('{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}', eight), /tensor "a": dtype "F33" is not a safetensors dtype/],
    ['unsupported dtype', file('{"a":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}}', eight), /dtype "BF16" is not supported \(supported: /],
    ['missing dtype', file('{"a":{"shape":[2],"data_offsets":[0,8]}}', eight), /tensor "a": missing "dtype" \(every tensor needs dtype, shape and data_offsets\)/],
    ['negative shape', file('{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', eight), /shape \[-2\] must be a list of non-negative integers/],
    ['float shape', file('{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,10]}}', eight), /shape \[2.5\] must be/],
    ['huge shape', file('{"a":{"dtype":"F32","shape":[1e300],"data_offsets":[0,8]}}', eight), /shape \[1e\+300\] must be/],
    ['shape not array', file('{"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}', eight), /shape 2 must be/],
    ['overflowing shape', file('{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}', eight), /too large/],
    ['offsets not pair', file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}', eight), /data_offsets \[0\] must be two non-negative integers/],
    ['offsets negative', file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}', eight), /must be two non-negative integers/],
    ['offsets reversed', file('{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}', eight), /end before they begin/],
    ['offsets out of bounds', file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', eight), /tensor "a" needs data up to byte 16 but the file has 8 bytes of data/],
    ['overlapping offsets', file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', eight), /tensor "b": data_offsets \[4,8\] overlap tensor "a"/],
    ['same offsets twice', file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', eight), /overlap/],
    ['gap', file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', eight), /data bytes 0\.\.4 belong to no tensor/],
    ['trailing bytes', file(ok, [...eight, 1, 2, 3]), /last 3 bytes of the file belong to no tensor/],
    ['size mismatch', file('{"W1":{"dtype":"F32","shape":[30,200],"data_offsets":[0,100]}}', new Uint8Array(100)), /tensor "W1": shape \[30,200\] of F32 needs 24000 bytes but data_offsets span 100/],
    ['truncated data', file(ok, eight.subarray(0, 5)), /truncated: tensor "a" needs data up to byte 8 but the file has 5 bytes/],
    ['duplicate name', file('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', [1]), /names "a" twice/],
    ['empty name', file('{"":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', [1]), /empty name/],
    ['metadata not object', file('{"__metadata__":[1]}'), /"__metadata__" must be an object of strings/],
    ['metadata number value', file('{"__metadata__":{"step":200000}}'), /metadata "step": values must be strings, got 200000/],
    ['lone surrogate name', file('{"\\ud800":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', [1]), /lone surrogate/],
  ];
  for (const [what, bytes, pattern] of cases) {
    try {
      throwsSafetensors(bytes, pattern);
    } catch (e) {
      throw new Error(`${what}: ${(e as Error).message}`);
    }
  }
});

test('safetensors: the writer rejects tensors it cannot write faithfully', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }, /shape \[3\] has 3 elements but data has 2/],
    [{ a: { dtype: 'F32', shape: [2], data: new Float64Array(2) } }, /needs a Float32Array, got Float64Array/],
    [{ a: { dtype: 'F16', shape: [2], data: new Uint8Array(4) } }, /dtype "F16" is not one of/],
    [{ a: { dtype: 'U8', shape: [-1], data: new Uint8Array(0) } }, /must be a list of non-negative integers/],
    [{ '': { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }, /empty name/],
    [{ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }, /reserves it/],
  ];
  for (const [tensors, pattern] of bad) {
    assert.throws(() => encodeSafetensors(tensors as Record<string, SafeTensor>), (e: Error) => e instanceof SafetensorsError && pattern.test(e.message));
  }
  assert.throws(() => decodeSafetensors([1, 2, 3, 4, 5, 6, 7, 8] as unknown as Uint8Array), (e: Error) => e instanceof SafetensorsError && /expected a Uint8Array/.test(e.message));
  assert.throws(() => encodeSafetensors({}, { step: 5 as unknown as string }), (e: Error) => e instanceof SafetensorsError && /must be strings/.test(e.message));
});

// ---- property tests -------------------------------------------------------------------------

const SIZES: Record<SafeDtype, number> = { F32: 4, I32: 4, F64: 8, I64: 8, U8: 1 };
const tensorArb: fc.Arbitrary<SafeTensor> = fc
  .record({
    dtype: fc.constantFrom<SafeDtype>('F32', 'I32', 'F64', 'I64', 'U8'),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
  })
  .chain(({ dtype, shape }) => {
    const numel = shape.reduce((a, b) => a * b, 1);
    return fc.uint8Array({ minLength: numel * SIZES[dtype], maxLength: numel * SIZES[dtype] }).map((raw) => {
      const buf = raw.slice().buffer; // arbitrary bit patterns: NaN payloads, -0, extremes
      const data = dtype === 'F32' ? new Float32Array(buf) : dtype === 'I32' ? new Int32Array(buf)
        : dtype === 'F64' ? new Float64Array(buf) : dtype === 'I64' ? new BigInt64Array(buf) : new Uint8Array(buf);
      return { dtype, shape, data };
    });
  });
const nameArb = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).filter((s) => s !== '__metadata__');
const tensorsArb = fc.dictionary(nameArb, tensorArb, { maxKeys: 6, noNullPrototype: true });
const metadataArb = fc.option(fc.dictionary(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), { maxKeys: 4, noNullPrototype: true }), { nil: undefined });

function decodesOrRejects(bytes: Uint8Array): void {
  let out;
  try {
    out = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) return;
    throw e;
  }
  for (const t of Object.values(out.tensors)) {
    if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) throw new Error('decoded tensor has the wrong length');
  }
}

test('safetensors: property: random tensors round-trip exactly', () => {
  fc.assert(fc.property(tensorsArb, metadataArb, (tensors, metadata) => {
    const bytes = encodeSafetensors(tensors, metadata);
    const got = decodeSafetensors(bytes);
    assert.equal(Object.keys(got.tensors).sort(), Object.keys(tensors).sort());
    for (const name of Object.keys(tensors)) assertSameTensor(got.tensors[name], tensors[name], name);
    assert.equal(got.metadata, metadata ?? {});
    assert.equal(Array.from(encodeSafetensors(got.tensors, metadata)), Array.from(bytes), 'stable re-encode');
  }), { numRuns: 300 });
});

test('safetensors: property: random bytes decode or throw SafetensorsError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), decodesOrRejects), { numRuns: 2000 });
  // Past the length check: a correct header length in front of random or JSON-shaped text.
  const headerText = fc.oneof(fc.json(), fc.string({ unit: 'binary' }),
    fc.dictionary(fc.string(), fc.record({ dtype: fc.constantFrom('F32', 'U8', 'I64', 'X'), shape: fc.array(fc.oneof(fc.integer({ min: -2, max: 3 }), fc.double())), data_offsets: fc.array(fc.integer({ min: -1, max: 20 }), { maxLength: 3 }) }, { requiredKeys: [] })).map((o) => JSON.stringify(o)));
  fc.assert(fc.property(headerText, fc.uint8Array({ maxLength: 24 }), (h, data) => decodesOrRejects(file(h, data))), { numRuns: 2000 });
});

test('safetensors: property: mutated valid files decode or throw SafetensorsError', () => {
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 9 }) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  );
  fc.assert(fc.property(tensorsArb, metadataArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (tensors, metadata, muts) => {
    let b = encodeSafetensors(tensors, metadata);
    for (const m of muts) {
      const at = b.length ? m.at % (b.length + 1) : 0;
      if (m.kind === 'flip' && at < b.length) { b = b.slice(); b[at] ^= 1 << m.bit; }
      if (m.kind === 'set' && at < b.length) { b = b.slice(); b[at] = m.value; }
      if (m.kind === 'truncate') b = b.slice(0, at);
      if (m.kind === 'insert') b = new Uint8Array([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
      if (m.kind === 'delete') b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + m.len)]);
    }
    decodesOrRejects(b);
  }), { numRuns: 3000 });
});

test.run();
