// Durable writes and careful reads: a writer killed mid-write, a full disk (a real small tmpfs
// when we are root, and a file-size limit always) and special files all leave the old file whole
// and end in one UserError; reads refuse devices, FIFOs and oversized files without reading them;
// two processes never silently overwrite one path; a download must be a names list.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { rmSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync, chmodSync, readdirSync, statSync, existsSync, openSync, ftruncateSync, closeSync, symlinkSync, lstatSync } from 'node:fs';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  writeAtomic, checkWritable, claimOutputs, reserveTarget, releaseTarget, readCheckpointFile, readNames,
  UserError, MAX_NAMES_BYTES, MAX_CHECKPOINT_BYTES,
} from '../../src/makemore/files.ts';

const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-files-'));
const TSX = import.meta.resolve('tsx');
const FILES = new URL('../../src/makemore/files.ts', import.meta.url).href;
const isRoot = process.getuid?.() === 0;

async function rejects(p: Promise<unknown>, pattern: RegExp, what: string): Promise<Error> {
  try { await p; } catch (e) {
    assert.instance(e, UserError, `${what}: a UserError, got ${(e as Error).stack}`);
    assert.match((e as Error).message, pattern, what);
    assert.not.match((e as Error).message, /\n/, `${what}: one line`);
    return e as Error;
  }
  throw new assert.Assertion({ message: `${what}: expected a UserError`, generated: false, operator: 'throws' });
}

/** Names in `d` other than `keep`: temporary or lock files a write left behind. */
const leftovers = (d: string, keep: string[]) => readdirSync(d).filter((n) => !keep.includes(n));

test('files: writeAtomic replaces the file whole', async () => {
  const p = join(dir, 'a.bin');
  await writeAtomic(p, new Uint8Array([1, 2, 3]));
  await writeAtomic(p, new Uint8Array([4, 5]));
  assert.equal([...readFileSync(p)], [4, 5]);
  assert.equal(leftovers(dir, ['a.bin']), [], 'no temporary or lock file left');
});

test('files: writeAtomic keeps an existing file\'s mode and writes through a symlink to its file', async () => {
  const p = join(dir, 'mode.bin');
  writeFileSync(p, 'old'); chmodSync(p, 0o600);
  await writeAtomic(p, new Uint8Array([1]));
  assert.is(statSync(p).mode & 0o777, 0o600);
  const link = join(dir, 'link.bin');
  symlinkSync(p, link);
  await writeAtomic(link, new Uint8Array([2, 2]));
  assert.equal([...readFileSync(p)], [2, 2], 'the file the link points to has the new bytes');
});

test('files: a writer killed mid-write leaves the old file intact, and the next write cleans up after it', async () => {
  const sub = join(dir, 'kill'); mkdirSync(sub);
  const p = join(sub, 'big.bin');
  const old = new Uint8Array(1 << 20).fill(7);
  writeFileSync(p, old);
  // A child that rewrites the file with 64 MB of 9s again and again until killed.
  const script = `import { writeAtomic } from ${JSON.stringify(FILES)};
    const big = new Uint8Array(64 << 20).fill(9);
    process.stdout.write('ready\\n');
    for (;;) await writeAtomic(${JSON.stringify(p)}, big);`;
  const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', script]);
  await new Promise<void>((r) => child.stdout.once('data', () => r()));
  await new Promise((r) => setTimeout(r, 150));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const now = readFileSync(p);
  const allOld = now.length === old.length && now.every((b) => b === 7);
  const allNew = now.length === 64 << 20 && now.every((b) => b === 9);
  assert.ok(allOld || allNew, `file is whole (old or new), got ${now.length} bytes`);
  // The dead writer's lock and temporary file do not block or litter the next save.
  await writeAtomic(p, new Uint8Array([3]));
  assert.equal([...readFileSync(p)], [3]);
  assert.equal(leftovers(sub, ['big.bin']), []);
});

// Finding 1: write-file-atomic took a 16 KB short write on a full disk as success and renamed
// the cut file over the good one.
if (isRoot) {
  test('files: on a full disk (a 20 KB tmpfs) a save fails with one line and the old file stays whole', async () => {
    const mnt = mkdtempSync(join(tmpdir(), 'wasmgrad-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20k', 'tmpfs', mnt]);
    try {
      const p = join(mnt, 'ck.st');
      const old = new Uint8Array(6000).fill(1);
      await writeAtomic(p, old);
      await rejects(writeAtomic(p, new Uint8Array(100_000).fill(2)), /disk is full.*previous file, if any, is unchanged/, 'full disk');
      assert.equal(readFileSync(p), Buffer.from(old), 'old file unchanged');
      assert.equal(leftovers(mnt, ['ck.st']), [], 'no temporary file left taking the space');
      await writeAtomic(p, new Uint8Array(5000).fill(3)); // and the disk is usable again
      assert.is(readFileSync(p).length, 5000);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
}

test('files: a write cut short by the file-size limit (ulimit -f) fails and keeps the old file', () => {
  const sub = join(dir, 'fsize'); mkdirSync(sub);
  const p = join(sub, 'ck.st');
  writeFileSync(p, 'old contents');
  // SIGXFSZ ignored, as a shell's `trap '' XFSZ` does: the write returns short, then EFBIG.
  const script = `import { writeAtomic } from ${JSON.stringify(FILES)};
    try { await writeAtomic(${JSON.stringify(p)}, new Uint8Array(100000).fill(5)); console.log('saved'); }
    catch (e) { console.log(e.constructor.name + ': ' + e.message); }`;
  const r = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f 20; exec "$0" "$@"`, process.execPath, '--import', TSX, '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.match(r.stdout, /^UserError: cannot save to .*file size limit/, r.stdout + r.stderr);
  assert.is(readFileSync(p, 'utf8'), 'old contents');
  assert.equal(leftovers(sub, ['ck.st']), []);
});

// Finding 2: the rename went over any target, device nodes included.
test('files: targets that are not regular files are refused, before the work and at the write', async () => {
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const targets: [string, RegExp][] = [[fifo, /FIFO/], [join(dir), /folder/]];
  if (isRoot) {
    const dev = join(dir, 'null'); // a private /dev/null: char device 1,3
    execFileSync('mknod', [dev, 'c', '1', '3']);
    targets.push([dev, /character device/]);
  }
  for (const [path, pattern] of targets) {
    await rejects(checkWritable(path, '--save'), pattern, `checkWritable ${path}`);
    await rejects(writeAtomic(path, new Uint8Array([1])), pattern, `writeAtomic ${path}`);
    const s = statSync(path);
    assert.ok(!s.isFile(), `${path} is still what it was`);
  }
  assert.ok(statSync(fifo).isFIFO());
});

test('files: claimOutputs refuses an output equal to an input or to another output, links included', async () => {
  const data = join(dir, 'names.txt');
  writeFileSync(data, 'ann\nbob\n');
  await rejects(claimOutputs([{ flag: '--save', path: data }], [{ flag: '--data', path: data }]), /--save .* is the --data file/, 'save = data');
  await rejects(claimOutputs([{ flag: '--save', path: join(dir, 'x.st') }, { flag: '--plot', path: join(dir, '.', 'x.st') }]), /--plot and --save are the same file/, 'plot = save');
  const hard = join(dir, 'hard.txt');
  execFileSync('ln', [data, hard]);
  await rejects(claimOutputs([{ flag: '--save', path: hard }], [{ flag: '--data', path: data }]), /is the --data file/, 'a hard link to the data');
  assert.is(readFileSync(data, 'utf8'), 'ann\nbob\n');
  // --resume X --save X continues a checkpoint in place: allowed.
  const ck = join(dir, 'resume.st');
  writeFileSync(ck, 'x');
  await claimOutputs([{ flag: '--save', path: ck }], [{ flag: '--resume', path: ck, replacedBy: '--save' }]);
  await releaseTarget(ck);
});

// Finding 10 (concurrent saves): the last writer used to win without a word.
test('files: a path reserved by another process cannot be written or reserved; a dead owner\'s lock is taken over', async () => {
  const p = join(dir, 'shared.st');
  const script = `import { reserveTarget } from ${JSON.stringify(FILES)};
    await reserveTarget(${JSON.stringify(p)}, '--save'); process.stdout.write('held\\n'); setTimeout(() => {}, 60000);`;
  const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', script]);
  await new Promise<void>((r) => child.stdout.once('data', () => r()));
  try {
    await rejects(writeAtomic(p, new Uint8Array([1])), new RegExp(`being written by another wasmgrad process \\(pid ${child.pid}\\)`), 'write while reserved');
    await rejects(reserveTarget(p, '--save'), /--save .* being written by another wasmgrad process/, 'reserve while reserved');
    assert.not.ok(existsSync(p), 'nothing written');
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
  }
  await writeAtomic(p, new Uint8Array([1])); // its lock is stale now
  assert.equal([...readFileSync(p)], [1]);
  await reserveTarget(p, '--save');
  await writeAtomic(p, new Uint8Array([2])); // our own reservation does not block us
  await releaseTarget(p);
  assert.equal(leftovers(dir, []).filter((n) => n.startsWith('shared.st')), ['shared.st']);
});

// Locks that are right (issue: a symlinked -o blocked by its own lock, an empty lock after a full
// disk refusing every later run, a container restarted as PID 1 refusing itself).
test('files: one file gets one lock however it is named: a symlinked folder, a dangling symlink', async () => {
  const real = join(dir, 'lk-real'); mkdirSync(real);
  const link = join(dir, 'lk-link'); symlinkSync(real, link);
  await reserveTarget(join(link, 'a.st'), '--work-dir');
  await writeAtomic(join(link, 'a.st'), new Uint8Array([1])); // the file does not exist yet
  await writeAtomic(join(link, 'a.st'), new Uint8Array([2])); // now it does: the same lock
  await writeAtomic(join(real, 'a.st'), new Uint8Array([3]));
  assert.equal([...readFileSync(join(real, 'a.st'))], [3]);
  await releaseTarget(join(real, 'a.st'));
  assert.not.ok(existsSync(join(real, 'a.st.lock')), 'released under its other name');
  // A symlink to a file that does not exist yet is written through, not replaced by a file.
  symlinkSync(join(real, 'target.st'), join(dir, 'dangling.st'));
  await writeAtomic(join(dir, 'dangling.st'), new Uint8Array([4]));
  assert.ok(lstatSync(join(dir, 'dangling.st')).isSymbolicLink(), 'still a symlink');
  assert.equal([...readFileSync(join(real, 'target.st'))], [4]);
});

/** Runs fn with stderr's writes collected. */
async function stderrOf(fn: () => Promise<unknown>): Promise<string> {
  const write = process.stderr.write.bind(process.stderr);
  let got = '';
  process.stderr.write = ((chunk: string | Uint8Array) => { got += String(chunk); return true; }) as typeof process.stderr.write;
  try { await fn(); } finally { process.stderr.write = write; }
  return got;
}

test('files: an empty lock, a dead owner\'s, and one whose PID now belongs to another process are taken over, saying so', async () => {
  const p = join(dir, 'stale.st');
  writeFileSync(`${p}.lock`, '');
  assert.match(await stderrOf(() => writeAtomic(p, new Uint8Array([1]))), /taking over the stale lock .*stale\.st\.lock: it is empty or damaged/);
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(`${p}.lock`, JSON.stringify({ pid: Number(child.stdout), host: hostname() }));
  assert.match(await stderrOf(() => writeAtomic(p, new Uint8Array([2]))), new RegExp(`stale lock .*: process ${child.stdout} has ended`));
  // A live process, but not the one that wrote the lock: its start time differs (a reused PID).
  writeFileSync(`${p}.lock`, JSON.stringify({ pid: process.ppid, host: hostname(), boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), start: '1' }));
  assert.match(await stderrOf(() => writeAtomic(p, new Uint8Array([3]))), /its PID is another process's now/);
  assert.equal([...readFileSync(p)], [3]);
  assert.not.ok(existsSync(`${p}.lock`));
});

if (isRoot) {
  test('files: a full disk while taking a lock leaves no lock behind, and the next run after space is freed proceeds', async () => {
    const mnt = mkdtempSync(join(tmpdir(), 'wasmgrad-lockfull-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', mnt]);
    try {
      const filler = join(mnt, 'filler');
      try { writeFileSync(filler, new Uint8Array(64 << 10)); } catch { /* filled to the last byte */ }
      const p = join(mnt, 'model.st');
      await rejects(reserveTarget(p, '--work-dir'), /disk is full/, 'lock on a full disk');
      assert.equal(readdirSync(mnt).filter((n) => n !== 'filler'), [], 'no lock or temporary file left');
      execFileSync('rm', [filler]);
      await reserveTarget(p, '--work-dir');
      await writeAtomic(p, new Uint8Array([1]));
      await releaseTarget(p);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  // A container restart: the same program, PID 1 again, in a new PID namespace.
  const unshare = spawnSync('unshare', ['-fp', '--mount-proc', 'true']);
  if (unshare.status === 0) {
    for (const mountProc of [false, true]) {
      test(`files: a lock left by PID 1 of a PID namespace that is gone is taken over by PID 1 of a new one (${mountProc ? 'its own /proc' : 'the host\'s /proc'})`, async () => {
        const p = join(dir, `ns-${mountProc}.st`);
        const take = `import { reserveTarget, writeAtomic } from ${JSON.stringify(FILES)};
          await reserveTarget(${JSON.stringify(p)}, '--work-dir'); await writeAtomic(${JSON.stringify(p)}, new Uint8Array([7]));
          process.stdout.write('pid ' + process.pid + '\\n'); setTimeout(() => {}, 60000);`;
        const args = ['--kill-child', '-fp', ...(mountProc ? ['--mount-proc'] : []), process.execPath, '--import', TSX, '--input-type=module', '-e'];
        // The first one dies without cleaning up (SIGKILL), as a container stopped hard does.
        const first = spawn('unshare', [...args, take]);
        let out = '';
        first.stdout.on('data', (d) => { out += d; });
        await new Promise<void>((r) => { const t = setInterval(() => { if (/pid 1\n/.test(out) || first.exitCode !== null) { clearInterval(t); r(); } }, 20); });
        assert.match(out, /^pid 1$/m, 'PID 1 in its namespace');
        const inside = Number(readFileSync(`/proc/${first.pid}/task/${first.pid}/children`, 'utf8').trim()); // its host PID
        first.kill('SIGKILL'); // unshare --kill-child passes it on
        await new Promise((r) => first.on('exit', r));
        for (let i = 0; i < 200 && existsSync(`/proc/${inside}`); i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(existsSync(`${p}.lock`), 'its lock was left');
        const t0 = Date.now();
        const second = spawnSync('unshare', [...args, take.replace('setTimeout(() => {}, 60000);', '')], { encoding: 'utf8' });
        assert.is(second.status, 0, second.stderr);
        assert.match(second.stdout, /^pid 1$/m);
        assert.match(second.stderr, /taking over the stale lock/);
        if (!mountProc) assert.ok(Date.now() - t0 < 8000, 'seen dead at once from the host\'s /proc');
      });
    }
  }
}

test('files: checkWritable refuses a missing or read-only folder before any work', async () => {
  await assert.not.throws(async () => checkWritable(join(dir, 'ok.st'), '--save'));
  await rejects(checkWritable(join(dir, 'nope', 'x.st'), '--save'), /does not exist/, 'missing folder');
  mkdirSync(join(dir, 'sub'));
  await rejects(checkWritable(join(dir, 'sub'), '--save'), /is a folder/, 'a folder as the file');
  if (!isRoot) {
    const ro = join(dir, 'ro'); mkdirSync(ro); chmodSync(ro, 0o500);
    await rejects(checkWritable(join(ro, 'x.st'), '--save'), /not writable/, 'read-only');
  }
});

// Finding 6: /dev/zero and /dev/urandom were read without end, a FIFO blocked forever.
test('files: reads refuse devices, FIFOs and folders at once, and files over the size cap unread', async () => {
  const fifo = join(dir, 'rfifo');
  execFileSync('mkfifo', [fifo]);
  const log = () => {};
  for (const [path, pattern] of [['/dev/zero', /character device/], ['/dev/urandom', /character device/], [fifo, /FIFO/], [dir, /folder/]] as const) {
    const t0 = performance.now();
    await rejects(readCheckpointFile(path), pattern, `checkpoint ${path}`);
    await rejects(readNames(path, { download: false, log }), pattern, `names ${path}`);
    assert.ok(performance.now() - t0 < 2000, `${path}: refused at once`);
  }
  // Sparse files of the cap + 1 byte: refused from their size, never read.
  for (const [name, size, read] of [['big.txt', MAX_NAMES_BYTES + 1, () => readNames(join(dir, 'big.txt'), { download: false, log })],
    ['big.st', MAX_CHECKPOINT_BYTES + 1, () => readCheckpointFile(join(dir, 'big.st'))]] as const) {
    const fd = openSync(join(dir, name), 'w'); ftruncateSync(fd, size); closeSync(fd);
    await rejects(read(), /over the \d+\.\d MiB limit/, name);
  }
});

test('files: a download is capped and must be a names list; nothing is saved otherwise', async () => {
  const { createServer } = await import('node:http');
  const names = 'emma\nolivia\nava\n'.repeat(50);
  const server = createServer((req, res) => {
    if (req.url === '/html') { res.setHeader('content-type', 'text/html'); res.end('<!DOCTYPE html>\n<html><body>Rate limited. Try later.</body></html>\n'); return; }
    // An error page sent with status 200, short and plain enough to pass for names.
    if (req.url === '/karpathy/makemore/master/names.txt') { res.end('Service Unavailable\n'); return; }
    if (req.url === '/real/karpathy/makemore/master/names.txt') { res.end(readFileSync(new URL('../../names.txt', import.meta.url))); return; }
    if (req.url === '/endless') {
      const chunk = Buffer.alloc(1 << 20, 'a\n');
      const more = () => { while (res.write(chunk)) { /* until the socket is full */ } };
      res.on('drain', more); more(); res.on('close', () => res.off('drain', more));
      return;
    }
    res.end(names);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const sub = join(dir, 'dl'); mkdirSync(sub);
  const fetchFrom = (url: string) => {
    process.env.WASMGRAD_NAMES_URL = url;
    return readNames(join(sub, 'names.txt'), { download: true, log: () => {} });
  };
  try {
    await rejects(fetchFrom(`${base}/html`), /is not a names list \(it looks like an HTML or XML page\); nothing was saved/, 'HTML page');
    assert.not.ok(existsSync(join(sub, 'names.txt')));
    await rejects(fetchFrom(`${base}/endless`), /passed 64\.0 MiB, more than a names list can be/, 'endless body');
    assert.not.ok(existsSync(join(sub, 'names.txt')));
    await rejects(fetchFrom(`${base}/karpathy/makemore/master/names.txt`), /is not a names list \(it is not makemore's names\.txt \(20 bytes, other contents\)\); nothing was saved/, 'a 200 error page from makemore\'s address');
    assert.not.ok(existsSync(join(sub, 'names.txt')));
    if (existsSync(new URL('../../names.txt', import.meta.url))) {
      assert.is((await fetchFrom(`${base}/real/karpathy/makemore/master/names.txt`)).trim().split('\n').length, 32033, 'makemore\'s own file is kept');
      rmSync(join(sub, 'names.txt'));
    }
    assert.is(await fetchFrom(`${base}/names.txt`), names);
    assert.is(readFileSync(join(sub, 'names.txt'), 'utf8'), names);
    assert.equal(leftovers(sub, ['names.txt']), []);
  } finally {
    delete process.env.WASMGRAD_NAMES_URL;
    server.closeAllConnections();
    server.close();
  }
});

test.run();
