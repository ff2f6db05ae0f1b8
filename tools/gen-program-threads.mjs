// The threaded half of tools/gen-program.mjs: reads each kernel's thread directives (comment
// lines right above its `export function` in assembly/kernels/) and generates
// assembly/_program_threads.ts for the -threads builds (what one thread runs of a split command)
// and src/compile/_directives.ts (each kernel's units and the memory a share reads and writes,
// for src/compile/thread_plan.ts, which splits commands and places barriers).
//
// Directives (expressions are over the kernel's parameters, `u0`/`u1` (the share's units
// [u0, u1)), `@let` names, numbers, + - * ( ) ?: comparisons && || and min()/max(); extents count
// 4-byte elements):
//   @split <units>: p += <expr>, ...   the kernel runs on units [u0, u1) when called with each
//                                      listed pointer advanced by u0 * <expr> elements and the
//                                      parameter <units> (a parameter name) set to u1 - u0
//   @split <units expr> -> fnName      fnName(<the kernel's parameters>, u0, u1) runs the share
//                                      (a camelCase function exported from the kernel's file)
//   @reads  <region>, ...               what a share reads, and writes (read-modify-write counts
//   @writes <region>, ...               as a write); a region is ptr[lo:hi] (flat) or
//                                      ptr(R,C)[r0:r1, c0:c1] (a row-major R x C matrix; `:`
//                                      alone is the whole dim), optionally followed by `if <cond>`
//   @let <name> = <expr>                a name for the expressions above
//   @fails                             may record a bad index in the status word (assembly/status.ts)
//   @same <kernel>                     every directive this kernel does not give, from <kernel>
//   @footprint none                    touches no memory
// Without @split a kernel runs on thread 0 alone; without any directive its footprint is
// unknown, and the plan puts a barrier before and after it (so a new kernel needs nothing to
// stay correct, only directives to run split).
// Shares always start at multiples of 4 units (src/compile/thread_plan.ts: rowAt), so a split
// must give the same bits as the whole call for such shares: tests/compile/footprint.test.ts
// checks that, and that shares stay inside their declared footprints, on recorded programs.

const RESERVED = ['u0', 'u1', 'c_', 'x_', 'put_', 'Math'];
const DIRECTIVE = /^\s*(?:\/\/|\*)\s*@(split|reads|writes|let|fails|same|footprint)\b\s*(.*)$/;

/** The directive lines in the comment block right above `export function name`. */
function directiveLines(src, index) {
  const before = src.slice(0, index).split('\n');
  before.pop(); // the text before `export` on its own line
  const lines = [];
  for (let i = before.length - 1; i >= 0; i--) {
    const l = before[i].trim();
    if (!(l.startsWith('//') || l.startsWith('/*') || l.startsWith('*'))) break;
    const m = DIRECTIVE.exec(l);
    if (m) lines.unshift([m[1], m[2].trim()]);
  }
  return lines;
}

/** Every exported function of a source: name -> { params: [[name, type]], directives }. */
export function exportedFunctions(src) {
  const out = new Map();
  for (const m of src.matchAll(/export function (\w+)\s*\(([^)]*)\)\s*:\s*\w+/g)) {
    const params = m[2].split(',').map((p) => p.trim()).filter(Boolean).map((p) => p.split(':').map((s) => s.trim()));
    out.set(m[1], { params, directives: directiveLines(src, m.index) });
  }
  return out;
}

/** Splits s at commas outside brackets and parentheses. */
function splitTop(s) {
  const parts = [];
  let depth = 0, start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) { parts.push(s.slice(start, i).trim()); start = i + 1; }
  }
  parts.push(s.slice(start).trim());
  return parts.filter(Boolean);
}

/** Checks an expression's tokens and names; returns it as JavaScript over number locals. */
function expr(e, known, where) {
  const tokens = e.match(/\s+|[A-Za-z_]\w*|\d+(?:\.\d+)?|==|!=|<=|>=|&&|\|\||[-+*/()?:<>,%]/g) ?? [];
  if (tokens.join('') !== e) throw new Error(`${where}: cannot read the expression '${e}'`);
  return tokens.map((t) => {
    if (/^[A-Za-z_]/.test(t)) {
      if (t === 'min' || t === 'max') return `Math.${t}`;
      if (!known.has(t)) throw new Error(`${where}: '${t}' in '${e}' is not a parameter, u0/u1 or an @let name`);
    }
    return t === '==' ? '===' : t === '!=' ? '!==' : t;
  }).join('');
}

/** Parses `ptr[lo:hi]` or `ptr(R,C)[r0:r1, c0:c1]`, with an optional `if <cond>`. */
function region(text, params, known, where) {
  const m = /^(\w+)\s*(?:\(([^)]*)\))?\s*\[(.*)\]\s*(?:if\s+(.+))?$/.exec(text);
  if (!m) throw new Error(`${where}: cannot read the region '${text}' (ptr[lo:hi] or ptr(R,C)[r0:r1, c0:c1])`);
  const [, ptr, shape, slices, cond] = m;
  if (params.get(ptr) !== 'usize') throw new Error(`${where}: '${ptr}' in '${text}' is not a pointer parameter`);
  const e = (s) => expr(s.trim(), known, where);
  const range = (s, whole) => {
    if (s.trim() === ':') return ['0', whole];
    const parts = s.split(':');
    if (parts.length !== 2) throw new Error(`${where}: '${s}' in '${text}' is not a lo:hi range`);
    return parts.map(e);
  };
  const r = { ptr, cond: cond ? e(cond) : null };
  if (!shape) {
    [r.lo, r.hi] = range(slices, null);
    return r;
  }
  const dims = splitTop(shape), sl = splitTop(slices);
  if (dims.length !== 2 || sl.length !== 2) throw new Error(`${where}: '${text}': a matrix region has two dims and two slices`);
  const [R, C] = dims.map(e);
  r.rows = range(sl[0], R);
  r.cols = range(sl[1], C);
  r.width = C;
  return r;
}

/** The thread directives of one kernel, checked, with @same resolved. */
function directivesOf(name, fns, all) {
  const fn = fns.get(name);
  const lines = [...fn.directives];
  const same = lines.filter(([k]) => k === 'same');
  for (const [, other] of same) {
    const o = all(other);
    if (!o) throw new Error(`gen-program: ${name}: @same ${other}: no such kernel`);
    const own = new Set(lines.map(([k]) => k));
    for (const [k, v] of o.directives) if (!own.has(k) && k !== 'same') lines.push([k, v]);
  }
  if (!lines.length) return null;
  const where = `gen-program: ${name}`;
  const params = new Map(fn.params);
  for (const p of RESERVED) if (params.has(p)) throw new Error(`${where}: a kernel with thread directives cannot name a parameter ${p}`);
  const known = new Set([...params.keys(), 'u0', 'u1']);
  const d = { lets: [], reads: [], writes: [], fails: false, none: false, split: null };
  for (const [k, v] of lines) {
    if (k !== 'let') continue;
    const m = /^(\w+)\s*=\s*(.+)$/.exec(v);
    if (!m) throw new Error(`${where}: @let ${v}: expected @let name = expression`);
    d.lets.push([m[1], expr(m[2], known, where)]);
    known.add(m[1]);
  }
  for (const [k, v] of lines) {
    if (k === 'fails') d.fails = true;
    else if (k === 'footprint') {
      if (v !== 'none') throw new Error(`${where}: @footprint ${v}: only '@footprint none' exists`);
      d.none = true;
    } else if (k === 'reads' || k === 'writes') d[k].push(...splitTop(v).map((t) => region(t, params, known, where)));
    else if (k === 'split') {
      const ranged = /^(.+?)\s*->\s*(\w+)$/.exec(v);
      if (ranged) {
        d.split = { units: expr(ranged[1].trim(), known, where), fn: ranged[2] };
        const f = fns.get(ranged[2]);
        const want = [...fn.params.map(([, t]) => t), 'i32', 'i32'];
        if (!f || f.params.map(([, t]) => t).join() !== want.join()) {
          throw new Error(`${where}: @split ... -> ${ranged[2]}: ${ranged[2]} must be exported from ${name}'s file with ${name}'s parameters then (u0: i32, u1: i32)`);
        }
        if (/^[a-z0-9_]+$/.test(ranged[2])) throw new Error(`${where}: ${ranged[2]} must be camelCase (snake_case exports are kernels, and get opcodes)`);
      } else {
        const m = /^(\w+)\s*:\s*(.+)$/.exec(v);
        if (!m || !params.has(m[1])) throw new Error(`${where}: @split ${v}: expected '<units parameter>: ptr += expr, ...' or '<units> -> fnName'`);
        const moves = splitTop(m[2]).map((t) => {
          const mm = /^(\w+)\s*\+=\s*(.+)$/.exec(t);
          if (!mm || params.get(mm[1]) !== 'usize') throw new Error(`${where}: @split: '${t}' is not 'pointer += elements per unit'`);
          expr(mm[2], new Set(params.keys()), where); // checked: only parameters
          return [mm[1], mm[2]];
        });
        d.split = { units: m[1], param: m[1], moves };
      }
    }
  }
  if (d.split && !d.reads.length && !d.writes.length) throw new Error(`${where}: @split needs @reads/@writes (the plan places barriers by them)`);
  return d;
}

const load = (t, o) => ({
  usize: `<usize>load<f64>(c_, ${o})`, u32: `<u32>load<f64>(c_, ${o})`, i32: `<i32>load<f64>(c_, ${o})`,
  f32: `<f32>load<f64>(c_, ${o})`, f64: `load<f64>(c_, ${o})`,
})[t];

/**
 * The generated sources: `as` (assembly/_program_threads.ts: a thread's share of a split command)
 * and `ts` (src/compile/_directives.ts: each kernel's units and footprint, for the plan).
 * kernels: name -> { file, params: [[name, type]], fns: that file's exportedFunctions }; names:
 * the opcodes' order.
 */
export function threadsSource(kernels, names) {
  const all = (n) => kernels.get(n) && kernels.get(n).fns.get(n);
  const dirs = new Map(names.map((n) => [n, directivesOf(n, kernels.get(n).fns, all)]));
  const imports = new Map();
  const need = (file, fn) => { if (!imports.has(file)) imports.set(file, new Set()); imports.get(file).add(fn); };
  const shareCases = [], tsEntries = [];
  /** For each kernel with directives, the parameters its thread plan depends on (they must not change under a plan). */
  const planParams = new Map();
  names.forEach((n, op) => {
    const { file, params } = kernels.get(n);
    const d = dirs.get(n);
    if (!d) return;
    const lets = d.lets.map(([k, v]) => `const ${k} = ${v};`).join(' ');
    const args = `const [${params.map(([p]) => p).join(', ')}] = x_;`;
    const ts = [`  ${n}: {`];
    if (d.split) {
      const locals = params.map(([p, t], j) => `const ${p} = ${load(t, 8 * (j + 1))};`);
      let call;
      if (d.split.fn) {
        need(file, d.split.fn);
        call = `${d.split.fn}(${params.map(([p]) => p).join(', ')}, u0, u1)`;
      } else {
        need(file, n);
        const moves = new Map(d.split.moves);
        call = `${n}(${params.map(([p]) => (p === d.split.param ? 'u1 - u0' : moves.has(p) ? `${p} + (<usize>(<i64>u0 * <i64>(${moves.get(p)})) << 2)` : p)).join(', ')})`;
      }
      shareCases.push([op, `    case ${op}: { ${locals.join(' ')} ${call}; return; }`]);
      ts.push(`    units: (x_) => { ${args} ${lets} return ${d.split.units}; },`);
    }
    const emit = (kind, r) => {
      const put = r.rows
        ? `put_(${kind}, ${r.ptr} + 4 * (${r.rows[0]}) * (${r.width}), ${r.rows[1]} - (${r.rows[0]}), 4 * (${r.width}), 4 * (${r.cols[0]}), 4 * (${r.cols[1]}));`
        : `put_(${kind}, ${r.ptr} + 4 * (${r.lo}), 1, 0, 0, 4 * ((${r.hi}) - (${r.lo})));`;
      return r.cond ? `if (${r.cond}) ${put}` : put;
    };
    const body = [...d.reads.map((r) => emit(0, r)), ...d.writes.map((r) => emit(1, r))];
    const text = [lets, d.split ? d.split.units : '', ...body].join(' ');
    planParams.set(n, params.map(([p]) => p).filter((p) => new RegExp(`\\b${p}\\b`).test(text)));
    ts.push(`    footprint: (x_, u0, u1, put_) => { ${args} ${lets} ${body.join(' ')} },`);
    if (d.fails) ts.push('    fails: true,');
    ts.push('  },');
    tsEntries.push(ts.join('\n'));
  });
  const groups = [];
  for (const [op, line] of shareCases) {
    const g = op >> 4;
    if (!groups.length || groups[groups.length - 1][0] !== g) groups.push([g, []]);
    groups[groups.length - 1][1].push(line);
  }
  const as = [
    '// GENERATED by tools/gen-program-threads.mjs from the kernels\' thread directives: do not edit.',
    '// What one thread runs of a split command (assembly/program_threads.ts walks the program).',
    ...[...imports].map(([f, ns]) => `import { ${[...ns].join(', ')} } from './${f}';`),
    '',
    // In groups of 16 opcodes, each its own function (exported, as program_share_*, so that the
    // optimizer keeps them apart): one switch over every kernel took V8's optimizing compiler
    // 19 MB, the peak memory of a threaded run.
    ...groups.flatMap(([g, cases]) => [
      `export function program_share_${g}(op: i32, c_: usize, u0: i32, u1: i32): void {`,
      '  switch (op) {',
      ...cases,
      '  }',
      '  unreachable();',
      '}',
      '',
    ]),
    '/** Runs units [u0, u1) of the command at c_ (a kernel with @split). */',
    'export function runShare(c_: usize, u0: i32, u1: i32): void {',
    '  const op = <i32>load<f64>(c_);',
    '  switch (op >> 4) {',
    ...groups.map(([g]) => `    case ${g}: program_share_${g}(op, c_, u0, u1); return;`),
    '  }',
    '  unreachable();',
    '}',
    '',
  ];
  const ts = [
    '// GENERATED by tools/gen-program-threads.mjs from the kernels\' thread directives (assembly/kernels/):',
    '// do not edit. For each kernel that has them: the units its work splits into (units) and what',
    '// units [u0, u1) read and write (footprint: put_(kind 0 reads / 1 writes, base, rows, row stride,',
    '// first byte, end byte) per region, in bytes), over the command\'s arguments x_; fails: it may',
    '// record a bad index in the status word. Used by src/compile/thread_plan.ts.',
    '/* eslint-disable */',
    'type Put = (kind: number, base: number, rows: number, stride: number, c0: number, c1: number) => void;',
    'export interface KernelDirectives {',
    '  units?: (x_: Float64Array) => number;',
    '  footprint: (x_: Float64Array, u0: number, u1: number, put_: Put) => void;',
    '  fails?: boolean;',
    '}',
    '',
    'export const DIRECTIVES: Record<string, KernelDirectives> = {',
    ...tsEntries,
    '};',
    '',
  ];
  const declared = [...dirs.values()].filter(Boolean).length, split = [...dirs.values()].filter((d) => d && d.split).length;
  const undeclared = names.filter((n) => !dirs.get(n));
  return { as: as.join('\n'), ts: ts.join('\n'), planParams, summary: `${split} split, ${declared - split} on thread 0 with a footprint, ${undeclared.length} without directives${undeclared.length ? ` (${undeclared.join(', ')}: thread 0, behind barriers)` : ''}` };
}
