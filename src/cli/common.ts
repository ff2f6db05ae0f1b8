// What every wasmgrad command shares: flag parsing (and npm's habit of keeping flags), integer
// and number flags, the build flags and init(), printing, signal handling around a save, and the
// usage error class. The commands themselves are src/cli.ts (train, sample, eval, the entry
// point) and src/cli/makemore.ts.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { init, type InitInfo, type Build } from '../index.ts';
import { UserError } from '../makemore/files.ts';

/** A command line that is wrong: exit 2, one line. */
export class UsageError extends Error {}

export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// The options every command that computes takes.
export const BUILD_HELP = `  --strict             the strict SIMD build (no relaxed SIMD): bit-identical numbers on every
                       machine and runtime (the same as --build simd)
  --build NAME         simd, relaxed or scalar (default: relaxed where the runtime has it, else
                       simd; or WASMGRAD_BUILD)`;

export type Values = Record<string, string | boolean | undefined>;

export function parse(argv: string[], options: Record<string, { type: 'string' | 'boolean' }>, command: string): Values {
  checkNpmAteFlags(options, argv);
  // `--steps -1` is a value, not a flag: join it so the value check can say what is wrong.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    if (options[name]?.type === 'string' && /^-\d|^-\.\d/.test(argv[i + 1] ?? '')) args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean' }, debug: { type: 'boolean' } }, strict: true, allowPositionals: false }).values as Values;
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify.*$/s, '').replace(/^Unknown option/, 'unknown option').replace(/\s*\n\s*/g, ' ');
    throw new UsageError(`${command}: ${msg}; see \`wasmgrad ${command} --help\``);
  }
}

/**
 * `npm start --data FILE` gives --data to npm, which passes FILE on alone (and keeps boolean
 * flags silently): npm tells us through npm_config_<flag>. Say how to pass them through.
 */
export function checkNpmAteFlags(options: Record<string, { type: 'string' | 'boolean' }>, argv: string[]): void {
  const script = process.env.npm_lifecycle_event;
  if (!script) return;
  const eaten = Object.keys({ ...options, debug: 0 }).map((name) => (name === 'no-batchnorm' ? 'batchnorm' : name))
    .filter((name) => process.env[`npm_config_${name.replace(/-/g, '_')}`] !== undefined);
  if (!eaten.length) return;
  const npm = script === 'start' ? 'npm start' : `npm run ${script}`;
  const positionals = argv.filter((a) => !a.startsWith('-'));
  const strings = eaten.filter((n) => options[n]?.type === 'string');
  const flags = eaten.map((n) => {
    if (n === 'batchnorm') return '--no-batchnorm';
    const value = process.env[`npm_config_${n.replace(/-/g, '_')}`];
    if (options[n]?.type !== 'string') return `--${n}`;
    if (value !== 'true') return `--${n} ${value}`;
    return strings.length === 1 && positionals.length === 1 ? `--${n} ${positionals[0]}` : `--${n} ...`;
  });
  throw new UsageError(`npm kept ${eaten.map((n) => (n === 'batchnorm' ? '--no-batchnorm' : `--${n}`)).join(', ')} for itself (it reads the flags before \`--\`); ` +
    `run \`${npm} -- ${flags.join(' ')}\``);
}

/** An integer flag >= min, or the default; anything else is a usage error. */
export function intFlag(v: Values, name: string, def: number, min: number): number {
  const raw = v[name];
  if (raw === undefined) return def;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isSafeInteger(n) || n < min) {
    const want = min === 0 ? 'a whole number >= 0' : `a whole number >= ${min}`;
    throw new UsageError(`--${name} must be ${want}, got '${raw}'`);
  }
  return n;
}

export function posFlag(v: Values, name: string, def: number): number {
  const raw = v[name];
  if (raw === undefined) return def;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got '${raw}'`);
  return n;
}

export const out = (line = '') => process.stdout.write(line + '\n');

export const note = (line: string) => process.stderr.write(line + '\n');

export const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

export type Caught = keyof typeof SIGNAL_NUMBERS;

/**
 * Ctrl-C, SIGTERM and SIGHUP during a training command (`train`, `makemore`). While training, a signal stops the loop after the
 * step under way, so that the caller saves the last completed step; during a save, signals wait
 * for it to finish; at any other moment (nothing to save yet, or saved already) the process exits
 * at once. The exit code is the shell's for the first signal: 128 + its number.
 */
export class Signals {
  caught: Caught | null = null;
  private phase: 'training' | 'saving' | 'idle' = 'idle';
  private why = 'nothing was saved';

  constructor(private readonly log: (line: string) => void) {
    for (const s of Object.keys(SIGNAL_NUMBERS)) process.on(s, this.handle);
  }

  get code(): number { return 128 + SIGNAL_NUMBERS[this.caught ?? 'SIGINT']; }

  /** From now on a signal exits at once, printing `why` (what has been kept). */
  idle(why: string): void { this.phase = 'idle'; this.why = why; }

  training(): void { this.phase = 'training'; }

  /** Runs a save that no signal interrupts; then signals act as before it (a save in the middle of training leaves training on). */
  async saving<T>(save: () => Promise<T>): Promise<T> {
    const before = this.phase;
    this.phase = 'saving';
    try { return await save(); } finally { this.phase = before; }
  }

  /**
   * Stops handling signals, after letting one that arrived during the last synchronous work
   * (sampling, an evaluation) be handled: removed at once, its handler would never run and the
   * process would end 0 as if never interrupted.
   */
  async dispose(): Promise<void> {
    // Two turns of the event loop: a signal that came during synchronous work is read on the
    // first (when libuv adds its pipe to the poll) and handled on the second (measured: one turn 0 of 5, two 5 of 5).
    for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const s of Object.keys(SIGNAL_NUMBERS)) process.off(s, this.handle);
  }

  private told = false;

  private readonly handle = (signal: Caught) => {
    this.caught ??= signal;
    if (this.phase === 'training') return;
    if (this.phase === 'saving') {
      if (!this.told) this.log(`${signal}: finishing the checkpoint first`);
      this.told = true;
      return;
    }
    this.log(`interrupted by ${signal}: ${this.why}`);
    process.exit(this.code);
  };
}

/** Writes that fail because the terminal went away (SIGHUP) or a pipe closed must not end a run before its save. */
export function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}

export const BUILD_OPTIONS = { strict: { type: 'boolean' }, build: { type: 'string' } } as const;

export const BUILD_NAMES: readonly Build[] = ['simd', 'relaxed', 'scalar', 'debug'];

/** init() with the command's --strict / --build (and --threads); a build this runtime cannot run is the user's to fix. */
export async function initFrom(v: Values, threads?: number): Promise<InitInfo> {
  let build: Build | undefined;
  if (v.strict && v.build !== undefined && v.build !== 'simd') throw new UsageError(`--strict is the simd build; drop --strict or --build ${v.build}`);
  if (v.strict) build = 'simd';
  else if (v.build !== undefined) {
    if (!BUILD_NAMES.includes(v.build as Build)) throw new UsageError(`--build must be simd, relaxed or scalar, got '${v.build}'`);
    build = v.build as Build;
  }
  try {
    return await init({ ...(build ? { build } : {}), ...(threads === undefined ? {} : { threads }) });
  } catch (e) {
    throw new UserError(((e as Error).message ?? String(e)).replace(/^wasmgrad: /, ''));
  }
}
