// Running the CLI as a user does (a child process) and checking its one-line errors.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';

export const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;
export const TSX = import.meta.resolve('tsx');

export interface CliResult { code: number | null; out: string; err: string; signal: NodeJS.Signals | null }

/** `wasmgrad ...args` in `cwd`; a run still going after `timeout` ms is killed (code null). */
export function runCli(args: string[], opts: { cwd: string; env?: Record<string, string>; timeout?: number }): CliResult {
  const r = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
    encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, WASMGRAD_DEBUG: '', ...opts.env }, timeout: opts.timeout, killSignal: 'SIGKILL',
  });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
}

/** One readable line on stderr, no stack trace, no raw wasm error. */
export function oneLineError(r: CliResult, code: number, pattern: RegExp, what: string): void {
  assert.is(r.code, code, `${what}: exit code (stderr: ${r.err})`);
  const lines = r.err.trim().split('\n');
  assert.is(lines.length, 1, `${what}: one line on stderr, got:\n${r.err}`);
  assert.match(lines[0], /^wasmgrad: /, what);
  assert.match(lines[0], pattern, what);
  assert.not.match(r.err, /\n\s+at |RuntimeError|unreachable/, `${what}: no stack trace`);
}
