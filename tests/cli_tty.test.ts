// `wasmgrad train` on a real terminal: tmux runs it in a pseudo-terminal, where the live progress
// bar is drawn, and the final screen (capture-pane) must hold exactly what the same run prints
// through a pipe: every log line, the losses and names intact, no piece of the bar left. Once in
// a tall pane (the run starts at the top and never scrolls) and once in a short one (it scrolls).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-tty-'));
const tiny = join(dir, 'tiny.txt');
writeFileSync(tiny, Array.from({ length: 400 }, (_, i) => ['ann', 'bob', 'cara', 'dave', 'emma', 'finn', 'gus', 'hana'][i % 8] + 'abcdefghij'[i % 10]).join('\n') + '\n');
const ARGS = ['train', '--data', tiny, '--hidden', '16', '--embed', '4', '--batch-size', '8', '--steps', '40000', '--samples', '6', '--strict'];
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `wasmgrad-test-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The run's lines as a terminal ends up showing them (the whole scrollback), once it has exited. */
async function screenOf(height: number): Promise<string[]> {
  const cmd = ['node', '--import', TSX, CLI, ...ARGS].map(shellQuote).join(' ');
  const r = tmux('new-session', '-d', '-s', 'run', '-x', '100', '-y', String(height), `sh -c ${shellQuote(`${cmd}; echo "[exit $?]"; sleep 600`)}`);
  assert.is(r.status, 0, r.stderr);
  try {
    const t0 = Date.now();
    for (;;) {
      const screen = tmux('capture-pane', '-p', '-S', '-', '-t', 'run').stdout;
      if (/\[exit \d+\]/.test(screen)) return screen.replace(/\s+$/, '').split('\n').map((l) => l.replace(/\s+$/, ''));
      if (Date.now() - t0 > 120_000) assert.unreachable(`no exit after 120 s; screen:\n${screen}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  } finally {
    tmux('kill-server');
  }
}

/** Lines that differ between runs (the timing) or that only a terminal gets (the loss chart). */
const comparable = (lines: string[]) => lines.filter((l) => !/^trained \d+ steps in/.test(l) && !/^log10\(loss\), mean of every/.test(l) && !/[┤┼╭╮╯╰│─]/.test(l));

const expected = () => {
  const r = spawnSync(process.execPath, ['--import', TSX, CLI, ...ARGS], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return r.stdout.trimEnd().split('\n');
};

for (const [label, height] of [['a tall pane (no scrolling)', 60], ['a short pane (scrolling under the bar)', 12]] as const) {
  (hasTmux ? test : test.skip)(`tty: in ${label} the final screen is the piped output, log lines intact and no bar left`, async () => {
    const screen = await screenOf(height);
    const exit = screen.findIndex((l) => /^\[exit \d+\]$/.test(l));
    assert.is(screen[exit], '[exit 0]', screen.join('\n'));
    const shown = screen.slice(screen.findIndex((l) => l.startsWith('wasmgrad ')), exit);
    assert.equal(comparable(shown), comparable(expected()), `screen:\n${shown.join('\n')}`);
    assert.ok(shown.some((l) => /^trained 40000 steps in/.test(l)), 'the timing line is there');
    assert.ok(shown.some((l) => /^log10\(loss\), mean of every/.test(l)), 'a terminal gets the loss chart');
    assert.not.match(shown.join('\n'), /steps\/s|ETA|[░█]/, 'nothing of the bar is left');
  });
}
if (!hasTmux) console.log('  skipping the terminal tests: they need tmux (apt-get install tmux)');

test.run();
