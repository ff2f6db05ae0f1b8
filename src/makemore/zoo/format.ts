// Numbers and settings printed the way makemore.py's Python prints them, so its output and ours
// compare line by line: f"{x:.4f}" (round half to even on the exact binary value, where JS's
// toFixed rounds half up), repr(float) ("2.0", not "2"), and a dict of settings.

/** Python's f"{x:.{digits}f}". */
export function pyFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  // toFixed rounds the exact binary value correctly except at ties, which it rounds away from
  // zero and Python to even. x·10^digits ends in exactly .5 when x = m / 2^(digits+1), m odd.
  const m = Math.abs(x) * 2 ** (digits + 1); // exact: a power-of-two scaling
  if (Number.isSafeInteger(m) && m % 2 === 1 && Number.isSafeInteger(m * 5 ** digits)) {
    const below = (m * 5 ** digits - 1) / 2; // x·10^digits rounded down
    const digitsOf = String(below % 2 === 0 ? below : below + 1).padStart(digits + 1, '0');
    const cut = digitsOf.length - digits;
    return `${x < 0 ? '-' : ''}${digitsOf.slice(0, cut)}${digits ? '.' : ''}${digitsOf.slice(cut)}`;
  }
  return x.toFixed(digits);
}

/** Python's repr(float): the shortest round-trip digits, with ".0" on integers and Python's exponent form. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, e] = x.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 16) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const s = String(x); // no exponent in this range
  return s.includes('.') ? s : `${s}.0`;
}

/** Python's repr of a dict of str, int, float and bool values: {'a': 1, 'b': 0.0005, 'c': False}. */
export function pyDict(o: Record<string, string | number | boolean | null>): string {
  const value = (v: string | number | boolean | null) => {
    if (v === null) return 'None';
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    return Number.isInteger(v) && !Object.is(v, -0) && Math.abs(v) < 1e16 ? String(v) : pyFloat(v);
  };
  return `{${Object.entries(o).map(([k, v]) => `'${k}': ${value(v)}`).join(', ')}}`;
}
