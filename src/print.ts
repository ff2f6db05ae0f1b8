// How tensors print: String(t), t.toString() and console.log(t) (Node's util.inspect and Deno's
// console) show the values as PyTorch 1.13 does (torch/_tensor_str.py): 4 decimals, scientific
// notation when the magnitudes need it, integers without decimals, `...` beyond 1000 elements,
// lines wrapped at 80 characters. Decimal rounding is exact (half to even on exact ties, as
// Python's format). Leaves out: complex, sparse and named tensors, which wasmgrad does not have.
import { Tensor } from './tensor.ts';
import { ValuesIndices } from './ops/reduce.ts';

export interface PrintOptions {
  /** Digits after the decimal point (default 4). */
  precision?: number;
  /** Above this many elements, only the first and last `edgeitems` of each dim print (default 1000). */
  threshold?: number;
  /** Items kept at each end of a summarised dim (default 3). */
  edgeitems?: number;
  /** Characters per line before wrapping (default 80). */
  linewidth?: number;
  /** true/false force scientific notation on/off; null (default) chooses per tensor. */
  sciMode?: boolean | null;
  /** 'default', 'short' (precision 2, edgeitems 2) or 'full' (never summarise), applied first. */
  profile?: 'default' | 'short' | 'full';
}

const DEFAULTS = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null as boolean | null };
const opts = { ...DEFAULTS };

/**
 * Sets how tensors print, as torch.set_printoptions (options not given keep their value, except
 * sciMode, which goes back to automatic).
 * @example
 *   setPrintOptions({ precision: 2 });
 *   setPrintOptions({ profile: 'default' });
 */
export function setPrintOptions(o: PrintOptions = {}): void {
  const known = ['precision', 'threshold', 'edgeitems', 'linewidth', 'sciMode', 'profile'];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new Error(`setPrintOptions: unknown option '${key}'; known: ${known.join(', ')}`);
  }
  const count = (key: 'precision' | 'threshold' | 'edgeitems' | 'linewidth', v: unknown) => {
    if (v === undefined) return;
    if (typeof v !== 'number' || !(v >= 0) || (!Number.isInteger(v) && v !== Infinity)) {
      throw new Error(`setPrintOptions: ${key} must be a non-negative integer, got ${String(v)}`);
    }
    opts[key] = v;
  };
  if (o.profile !== undefined) {
    if (o.profile === 'default') Object.assign(opts, DEFAULTS);
    else if (o.profile === 'short') Object.assign(opts, DEFAULTS, { precision: 2, edgeitems: 2 });
    else if (o.profile === 'full') Object.assign(opts, DEFAULTS, { threshold: Infinity });
    else throw new Error(`setPrintOptions: profile must be 'default', 'short' or 'full', got ${JSON.stringify(o.profile)}`);
  }
  count('precision', o.precision);
  count('threshold', o.threshold);
  count('edgeitems', o.edgeitems);
  count('linewidth', o.linewidth);
  if (o.sciMode !== undefined && o.sciMode !== null && typeof o.sciMode !== 'boolean') {
    throw new Error(`setPrintOptions: sciMode must be true, false or null, got ${String(o.sciMode)}`);
  }
  opts.sciMode = o.sciMode ?? null;
}

// --- Exact decimal formatting of a double, as Python's '{:.pf}' and '{:.pe}' ---------------

/** |v| = num / 2^shift exactly (v finite). */
function exact(v: number): { num: bigint; shift: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & 0xfffffffffffffn;
  if (expBits !== 0) mant |= 1n << 52n;
  const e = (expBits === 0 ? 1 : expBits) - 1075; // |v| = mant * 2^e
  return e >= 0 ? { num: mant << BigInt(e), shift: 0n } : { num: mant, shift: BigInt(-e) };
}

/** round(num * 10^k / 2^shift) to an integer, half to even (k may be negative). */
function roundScaled(num: bigint, shift: bigint, k: number): bigint {
  let n = num, d = 1n << shift;
  if (k >= 0) n *= 10n ** BigInt(k); else d *= 10n ** BigInt(-k);
  const q = n / d, r2 = (n % d) * 2n;
  return r2 > d || (r2 === d && (q & 1n) === 1n) ? q + 1n : q;
}

const nonFinite = (v: number): string | null => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : null);
const signOf = (v: number): string => (v < 0 || Object.is(v, -0) ? '-' : '');

/** Python's '{:.pf}'.format(v). */
export function formatFixed(v: number, p: number): string {
  const special = nonFinite(v);
  if (special) return special;
  const { num, shift } = exact(v);
  const digits = roundScaled(num, shift, p).toString().padStart(p + 1, '0');
  const int = digits.slice(0, digits.length - p), frac = digits.slice(digits.length - p);
  return signOf(v) + int + (p > 0 ? '.' + frac : '');
}

/** Python's '{:.pe}'.format(v). */
export function formatSci(v: number, p: number): string {
  const special = nonFinite(v);
  if (special) return special;
  let e = 0, q = 0n;
  if (v !== 0) {
    const { num, shift } = exact(v);
    e = Math.floor(Math.log10(Math.abs(v)));
    // Fix the estimate so that 10^p <= q < 10^(p+1) after rounding.
    for (;;) {
      q = roundScaled(num, shift, p - e);
      if (q >= 10n ** BigInt(p + 1)) e++;
      else if (q < 10n ** BigInt(p)) e--;
      else break;
    }
  }
  const digits = q.toString().padStart(p + 1, '0');
  const mant = digits[0] + (p > 0 ? '.' + digits.slice(1) : '');
  return `${signOf(v)}${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

// --- PyTorch's _Formatter and _tensor_str ---------------------------------------------------

class Formatter {
  private intMode = true;
  private sciMode = false;
  private maxWidth = 1;

  constructor(values: readonly number[], private readonly floating: boolean, private readonly precision: number) {
    if (!floating) {
      for (const v of values) this.maxWidth = Math.max(this.maxWidth, String(v).length);
    } else {
      const nz = values.filter((v) => Number.isFinite(v) && v !== 0);
      if (nz.length) {
        let lo = Infinity, hi = 0;
        for (const v of nz) { lo = Math.min(lo, Math.abs(v)); hi = Math.max(hi, Math.abs(v)); }
        this.intMode = nz.every((v) => v === Math.ceil(v));
        this.sciMode = hi / lo > 1000 || hi > 1e8 || (!this.intMode && lo < 1e-4);
        for (const v of nz) {
          const s = this.sciMode ? formatSci(v, precision) : this.intMode ? formatFixed(v, 0) + '.' : formatFixed(v, precision);
          this.maxWidth = Math.max(this.maxWidth, s.length);
        }
      }
    }
    if (opts.sciMode !== null) this.sciMode = opts.sciMode;
  }

  width(): number { return this.maxWidth; }

  format(v: number): string {
    let s: string;
    if (!this.floating) s = String(v);
    else if (this.sciMode) s = formatSci(v, this.precision);
    else if (this.intMode) s = formatFixed(v, 0) + (Number.isFinite(v) ? '.' : '');
    else s = formatFixed(v, this.precision);
    return s.padStart(this.maxWidth, ' ');
  }
}

/** The flat indices (row-major) of the elements that print: all, or each dim's edges when summarising. */
function shownIndices(shape: readonly number[], summarize: boolean, edge: number): number[] {
  const out: number[] = [];
  const walk = (dim: number, base: number) => {
    if (dim === shape.length) { out.push(base); return; }
    const n = shape[dim], stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const idx = summarize && n > 2 * edge ? [...range(0, edge), ...range(n - edge, n)] : range(0, n);
    for (const i of idx) walk(dim + 1, base + i * stride);
  };
  walk(0, 0);
  return out;
}

const range = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

function tensorBody(data: ArrayLike<number>, shape: readonly number[], floating: boolean, indent: number): string {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return '[]';
  const summarize = n > opts.threshold, edge = opts.edgeitems;
  const fmt = new Formatter(shownIndices(shape, summarize, edge).map((i) => data[i]), floating, opts.precision);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const rec = (dim: number, base: number, ind: number): string => {
    if (shape.length === 0) return fmt.format(data[0]);
    const size = shape[dim];
    const cut = summarize && size > 2 * edge;
    const pick = (f: (i: number) => string, gap: string) => (cut ? [...range(0, edge).map(f), gap, ...range(size - edge, size).map(f)] : range(0, size).map(f));
    if (dim === shape.length - 1) {
      const perLine = Math.max(1, Math.floor((opts.linewidth - ind) / (fmt.width() + 2)));
      const items = pick((i) => fmt.format(data[base + i]), ' ...');
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
      return '[' + lines.join(',\n' + ' '.repeat(ind + 1)) + ']';
    }
    const rows = pick((i) => rec(dim + 1, base + i * strides[dim], ind + 1), '...');
    return '[' + rows.join(',' + '\n'.repeat(shape.length - dim - 1) + ' '.repeat(ind + 1)) + ']';
  };
  return rec(0, 0, indent);
}

function addSuffixes(body: string, suffixes: string[], indent: number): string {
  const parts = [body];
  let last = body.length - body.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (last + s.length + 2 > opts.linewidth) { parts.push(',\n' + ' '.repeat(indent) + s); last = indent + s.length; }
    else { parts.push(', ' + s); last += s.length + 2; }
  }
  return parts.join('') + ')';
}

/** The op name as PyTorch names its graph nodes: 'maskedFill' -> 'MaskedFillBackward'. */
const gradFnName = (op: string) => op.charAt(0).toUpperCase() + op.slice(1) + 'Backward';

/** What String(t) gives: PyTorch's repr, with wasmgrad's names (requiresGrad=true, gradFn=<MulBackward>). */
export function tensorToString(t: Tensor): string {
  const prefix = 'tensor(', indent = prefix.length;
  const suffixes: string[] = [];
  const data = t.toArray();
  const floating = t.dtype === 'float32';
  if (t.numel() === 0) {
    if (t.ndim !== 1) suffixes.push(`size=(${t.shape.join(', ')})`);
    if (!floating) suffixes.push(`dtype=${t.dtype}`);
  }
  const body = tensorBody(data, t.shape, floating, indent);
  if (t._node) suffixes.push(`gradFn=<${gradFnName(t._node.name)}>`);
  else if (t.requiresGrad) suffixes.push('requiresGrad=true');
  return addSuffixes(prefix + body, suffixes, indent);
}

function valuesIndicesToString(r: ValuesIndices): string {
  return `${r.op}(\nvalues=${tensorToString(r.values)},\nindices=${tensorToString(r.indices)})`;
}

// console.log goes through util.inspect in Node and Deno's inspector; a tensor that cannot be
// read (its memory reclaimed) prints a line saying so instead of throwing inside console.log.
const inspectWith = (f: () => string, shape: readonly number[]) => () => {
  try { return f(); } catch (e) { return `[Tensor ${JSON.stringify(shape)}: ${(e as Error).message}]`; }
};
const NODE_INSPECT = Symbol.for('nodejs.util.inspect.custom');
const DENO_INSPECT = Symbol.for('Deno.customInspect');

for (const [cls, str] of [[Tensor, tensorToString], [ValuesIndices, valuesIndicesToString]] as const) {
  const proto = cls.prototype as unknown as Record<string | symbol, unknown>;
  proto.toString = function (this: never) { return (str as (x: never) => string)(this); };
  const inspect = function (this: Tensor | ValuesIndices) {
    const shape = this instanceof Tensor ? this.shape : this.values.shape;
    return inspectWith(() => String(this), shape)();
  };
  proto[NODE_INSPECT] = inspect;
  proto[DENO_INSPECT] = inspect;
}
