// Fusion: rewrites of a compiled step's recorded commands into fewer, fused kernel calls. Every
// rule keeps the numbers bit for bit (the fused kernel does the same float operations in the
// same order), and tests/compile/fuse.test.ts checks each on every build. A rule may only drop a
// buffer's writer when no other command touches that buffer (checked on the addresses the
// commands hold: blocks made during a capture are never reused within it).
// A compiled step writes each call's float scalars into the program (src/compile/compile.ts): a
// rule that consumes a command with float arguments must say where they went in its fused
// command (Command.takes); one it does not place stays fixed, and a call with another value
// there captures again.
import type { StatusMessage } from '../wasm/status.ts';
import { opcodes } from '../wasm/opcodes.ts';

/** A recorded kernel call. */
export interface Command {
  name: string;
  args: number[];
  /** A fused command: which argument of a consumed command each of its own arguments is ([own, command, its argument]). */
  takes?: [number, Command, number][];
  /** How to explain a failure this kernel reports in the status word. */
  message: StatusMessage | null;
  /** The copy into input buffer i (its source address is bound at every call). */
  input?: number;
  /** The copy out of output i (its destination is a fresh tensor at every call). */
  output?: number;
  /** Byte address of the command in the program (set when written). */
  slots?: number;
}

/** A rule: looks at commands[i] (and after); returns the replacement and how many it consumed, or null. */
type Rule = (cmds: Command[], i: number, touches: (lo: number, hi: number, except: Set<Command>) => boolean) => [Command[], number] | null;

const ROW = 1;

/**
 * matmul_nn(t, a, b, M, K, N, 0) then add(out, t, bias, M, N, ROW, 0) -> matmul_nn_bias(out, a, b,
 * bias, M, K, N), when nothing else touches t: the bias joins each block as it is stored, the
 * same f32 additions (a Linear layer's forward).
 */
const biasFold: Rule = (cmds, i, touches) => {
  const mm = cmds[i], add = cmds[i + 1];
  if (!add || mm.name !== 'matmul_nn' || add.name !== 'add') return null;
  const [t, a, b, M, K, N, acc] = mm.args;
  const [out, x, bias, M2, N2, mode, acc2] = add.args;
  if (acc !== 0 || acc2 !== 0 || x !== t || M2 !== M || N2 !== N || mode !== ROW) return null;
  if (out === t || bias === t || touches(t, t + M * N * 4, new Set([mm, add]))) return null;
  return [[{ name: 'matmul_nn_bias', args: [out, a, b, bias, M, K, N], message: null }], 2];
};

/**
 * tanh_backward(dT, h, dh, B*H, 0), bn_notebook_backward(dX, dg, db, dT, x, gain, mean, std, B, H,
 * 0, 0), sum_dim0(db0, dX, B, H, 0) -> tanh_bn_notebook_backward(dX, dg, db, db0, dh, h, x, gain,
 * mean, std, B, H): the backward of tanh(batchNorm(x + b0)) in two passes instead of four. The
 * fused kernel turns dh into dT in place, so nothing else may touch dh or dT.
 */
const tanhBatchNormBackward: Rule = (cmds, i, touches) => {
  const [t, bn, sum] = [cmds[i], cmds[i + 1], cmds[i + 2]];
  if (!sum || t.name !== 'tanh_backward' || bn.name !== 'bn_notebook_backward' || sum.name !== 'sum_dim0') return null;
  const [dT, h, dh, n, accT] = t.args;
  const [dX, dg, db, dT2, x, gain, mean, std, B, H, accX, accW] = bn.args;
  const [db0, dX2, B2, H2, accS] = sum.args;
  if (accT || accX || accW || accS || dT2 !== dT || dX2 !== dX || B2 !== B || H2 !== H || n !== B * H) return null;
  const mine = new Set([t, bn, sum]);
  if (touches(dT, dT + n * 4, mine) || touches(dh, dh + n * 4, new Set([...mine, ...cmds.slice(0, i)]))) return null;
  return [[{ name: 'tanh_bn_notebook_backward', args: [dX, dg, db, db0, dh, h, x, gain, mean, std, B, H], message: null }], 3];
};

const RULES: Rule[] = [biasFold, tanhBatchNormBackward];

export function fuse(commands: Command[]): Command[] {
  const ops = opcodes();
  // Every address argument of every command, to tell whether a buffer is used elsewhere.
  const uses: [number, Command][] = [];
  for (const c of commands) {
    const op = ops.index.get(c.name);
    const mask = op === undefined ? 0 : ops.ptrmask[op];
    c.args.forEach((v, j) => { if ((mask >> j) & 1 && v) uses.push([v, c]); });
  }
  const touches = (lo: number, hi: number, except: Set<Command>) => uses.some(([p, c]) => p >= lo && p < hi && !except.has(c));
  const out: Command[] = [];
  for (let i = 0; i < commands.length;) {
    let done = false;
    for (const rule of RULES) {
      const r = rule(commands, i, touches);
      if (r) { out.push(...r[0]); i += r[1]; done = true; break; }
    }
    if (!done) out.push(commands[i++]);
  }
  return out;
}
