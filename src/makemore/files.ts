// The Node side of the makemore app: reading the names file (downloading it when the default
// one is missing) and checkpoints, and durable writes. Everything else in makemore/ is portable.
// Reads take regular files only, up to a size cap; writes go through a temporary file that is
// written whole, flushed and checked before a rename puts it in place, so the old file stays
// until the new one is complete. Leaves out: what the bytes mean (checkpoint.ts, data.ts).
import { open, stat, mkdir, readdir, access, realpath, rename, unlink, chmod, chown, constants, type FileHandle } from 'node:fs/promises';
import { unlinkSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { hostname } from 'node:os';
import { parseNames, DataError } from './data.ts';

export const NAMES_URL = 'https://raw.githubusercontent.com/karpathy/makemore/master/names.txt';

/** The largest names file read or downloaded: 64 MiB (makemore's is 228 KB). */
export const MAX_NAMES_BYTES = 64 << 20;
/** The largest checkpoint read: 1 GiB (a model whose weights and gradients fill wasm's 4 GiB). */
export const MAX_CHECKPOINT_BYTES = 1 << 30;

/** Where names.txt is downloaded from: WASMGRAD_NAMES_URL overrides it (a mirror, or tests). */
const namesUrl = () => process.env.WASMGRAD_NAMES_URL || NAMES_URL;

/** A problem the user can fix (bad path, unwritable folder, full disk, offline): exit 1, one line. */
export class UserError extends Error {}

const errno = (e: unknown) => (e as NodeJS.ErrnoException)?.code;
const mb = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${n} bytes`);

/** What a path that is not a regular file is, in words ("a character device", "a FIFO (named pipe)"...). */
function kindOf(s: { isDirectory(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a whole regular file of at most `max` bytes. Special files are refused before any
 * read: the open is non-blocking, so a FIFO with no writer does not hang, and /dev/zero is
 * never read. `what` names the file in errors ("checkpoint"), `fix` says which file to pass.
 */
export async function readRegularFile(path: string, what: string, max: number, fix = 'pass a file saved on disk'): Promise<Uint8Array> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    if (errno(e) === 'EISDIR') throw new UserError(`${what} ${path} is a folder; ${fix}`);
    throw e;
  }
  try {
    const s = await fh.stat();
    if (s.isDirectory()) throw new UserError(`${what} ${path} is a folder; ${fix}`);
    if (!s.isFile()) throw new UserError(`${what} ${path} is ${kindOf(s)}, not a regular file; ${fix}`);
    if (s.size > max) throw new UserError(`${what} ${path} is ${mb(s.size)}, over the ${mb(max)} limit; is this the right file?`);
    // Read up to max + 1 bytes: a file that grows while we read is caught too.
    const buf = new Uint8Array(Math.min(s.size, max) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n === buf.length) throw new UserError(`${what} ${path} grew while being read (over ${mb(buf.length - 1)}); read it when nothing is writing to it`);
    }
    return buf.slice(0, n);
  } finally {
    await fh.close();
  }
}

/**
 * Reads the names file as UTF-8 text (invalid bytes become U+FFFD, which parseNames rejects).
 * `flag` is the option that names the file, for the messages (default '--data').
 */
export async function readNames(path: string, opts: { download: boolean; log: (msg: string) => void; flag?: string }): Promise<string> {
  const flag = opts.flag ?? '--data';
  const fix = `pass ${flag} path/to/names.txt (one name per line)`;
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path, 'names file', MAX_NAMES_BYTES, fix);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = errno(e);
    if (code === 'ENOENT' && opts.download) {
      await download(path, opts.log, flag);
      bytes = await readRegularFile(path, 'names file', MAX_NAMES_BYTES, fix);
    } else if (code === 'ENOENT') {
      throw new UserError(`names file not found: ${path}; ${fix}`);
    } else {
      throw new UserError(`cannot read names file ${path}: ${(e as Error).message}`);
    }
  }
  return new TextDecoder('utf-8').decode(bytes);
}

/** Fetches the names list, at most MAX_NAMES_BYTES, checks that it is one, then saves it durably. */
async function download(path: string, log: (msg: string) => void, flag: string): Promise<void> {
  const url = namesUrl();
  log(`${path} not found: downloading makemore's names.txt from ${url}`);
  const manual = `Download it from ${url} to ${path}, or pass ${flag} FILE`;
  let body: Uint8Array;
  try {
    body = await fetchCapped(url, MAX_NAMES_BYTES);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${e.message}. ${manual}`);
    const why = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new UserError(`could not download names.txt (${why}); are you offline? ${manual}`);
  }
  const text = new TextDecoder('utf-8').decode(body);
  try {
    if (/^\s*</.test(text)) throw new DataError('it looks like an HTML or XML page');
    parseNames(text);
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    throw new UserError(`the download from ${url} is not a names list (${e.message.replace(/;.*$/, '')}); nothing was saved. ${manual}`);
  }
  await writeAtomic(path, body);
  log(`saved ${path} (${body.length} bytes)`);
}

/** The body of a GET, refused as soon as it passes `max` bytes (a server can send forever). */
async function fetchCapped(url: string, max: number): Promise<Uint8Array> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length'));
  if (declared > max) {
    await res.body?.cancel();
    throw new UserError(`the download from ${url} is ${mb(declared)}, over the ${mb(max)} a names list may be`);
  }
  const chunks: Uint8Array[] = [];
  let n = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      n += chunk.length;
      if (n > max) throw new UserError(`the download from ${url} passed ${mb(max)}, more than a names list can be`);
      chunks.push(chunk);
    }
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/**
 * Throws a UserError now if `path` cannot be written later: a missing or read-only folder, or a
 * path that exists and is not a regular file (a folder, /dev/null, a FIFO): a save renames over
 * its target, which would replace the device or pipe itself.
 */
export async function checkWritable(path: string, flag: string): Promise<void> {
  const dir = dirname(resolve(path));
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new UserError(`${flag} ${path}: ${dir} is not a folder`);
    await access(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (errno(e) === 'ENOENT') throw new UserError(`${flag} ${path}: folder ${dir} does not exist; create it first or choose another path`);
    throw new UserError(`${flag} ${path}: folder ${dir} is not writable`);
  }
  const s = await stat(path).catch(() => null);
  if (s?.isDirectory()) throw new UserError(`${flag} ${path} is a folder; give a file name`);
  if (s && !s.isFile()) throw new UserError(`${flag} ${path} is ${kindOf(s)}, not a regular file; give the path of a file to write`);
}

/**
 * Makes the folder `path` and any missing parent, or throws a UserError naming `flag`: one that
 * exists and is not a folder, or one that cannot be made (read-only, no permission, /proc...).
 * NOTE: not mkdir({ recursive: true }), which Node 20 retries forever under /proc.
 */
export async function makeFolder(path: string, flag: string): Promise<void> {
  const missing: string[] = [];
  for (let at = resolve(path); ; at = dirname(at)) {
    const s = await stat(at).catch((e) => { if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return null; throw new UserError(`${flag} ${path}: cannot look at ${at} (${errno(e) ?? (e as Error).message}); choose another folder`); });
    if (s && !s.isDirectory()) throw new UserError(`${flag} ${path}: ${at} is ${s.isFile() ? 'a file' : kindOf(s)}, not a folder; choose another folder`);
    if (s) break;
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const dir of missing) {
    await mkdir(dir).catch((e) => {
      if (errno(e) !== 'EEXIST') throw new UserError(`${flag} ${path}: cannot create ${dir} (${errno(e) ?? (e as Error).message}); choose another folder`);
    });
  }
}

export interface NamedPath {
  /** The flag that named it, for errors: '--save'. */
  flag: string;
  path: string;
}

/**
 * Before any work: every output is writable (checkWritable), differs from every other output
 * and from every input (by path, and by file identity when both exist, so links count), and is
 * reserved for this process until it exits (reserveTarget). An input may list the one output
 * flag allowed to replace it (`--resume X --save X` continues a checkpoint in place).
 */
export async function claimOutputs(outputs: NamedPath[], inputs: (NamedPath & { replacedBy?: string })[] = []): Promise<void> {
  for (const o of outputs) await checkWritable(o.path, o.flag);
  const same = async (a: string, b: string) => {
    if (resolve(a) === resolve(b)) return true;
    const [x, y] = await Promise.all([stat(a).catch(() => null), stat(b).catch(() => null)]);
    return !!x && !!y && x.dev === y.dev && x.ino === y.ino;
  };
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i];
    for (const other of outputs.slice(0, i)) {
      if (await same(o.path, other.path)) throw new UserError(`${o.flag} and ${other.flag} are the same file (${o.path}); give each its own path`);
    }
    for (const input of inputs) {
      if (input.replacedBy === o.flag) continue;
      if (await same(o.path, input.path)) throw new UserError(`${o.flag} ${o.path} is the ${input.flag} file: writing it would destroy the input; give another path`);
    }
  }
  for (const o of outputs) await reserveTarget(o.path, o.flag);
}

// Locks: `<file>.lock`, created exclusively, holding "pid host". A save takes its target's lock
// for the write (or keeps it for the whole run, reserveTarget), so two processes saving to one
// path get a clear error instead of one silently overwriting the other's file.
const held = new Map<string, string>(); // real target path -> lock path, for this process
let exitHookSet = false;

const lockPath = (target: string) => `${target}.lock`;

async function resolveTarget(path: string): Promise<string> {
  // Write through a symlink to its file, as editors do; a new file keeps the path given.
  return realpath(path).catch(() => resolve(path));
}

async function acquireLock(target: string, flag: string): Promise<string> {
  const lock = lockPath(target);
  const me = `${process.pid} ${hostname()}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lock, 'wx');
      try { await fh.writeFile(me); } finally { await fh.close(); }
      return lock;
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw saveError(e, target, flag);
    }
    const owner = readFileSync(lock, { encoding: 'utf8', flag: 'r' }).trim().split(' ');
    const pid = Number(owner[0]);
    const alive = owner[1] !== hostname() || !(pid > 0) ? true : isAlive(pid);
    if (alive || attempt > 0) {
      const who = pid > 0 ? `another wasmgrad process (pid ${pid}${owner[1] && owner[1] !== hostname() ? ` on ${owner[1]}` : ''})` : 'another process';
      throw new UserError(`${flag} ${target} is being written by ${who}; wait for it to finish or choose another path (if no such process is running, delete ${lock})`);
    }
    await unlink(lock).catch(() => {}); // left by a process that died: take it over
  }
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return errno(e) === 'EPERM'; }
}

/**
 * Reserves `path` for this process's saves until it exits: another process that reserves or
 * writes it meanwhile gets a UserError naming this one. Call it before the work whose result
 * goes there (training), so that a clash costs nothing.
 */
export async function reserveTarget(path: string, flag = 'save to'): Promise<void> {
  const target = await resolveTarget(path);
  if (held.has(target)) return;
  held.set(target, await acquireLock(target, flag));
  if (!exitHookSet) {
    exitHookSet = true;
    process.on('exit', () => { for (const lock of held.values()) { try { unlinkSync(lock); } catch { /* already gone */ } } });
  }
}

/** Releases a reservation made by reserveTarget (or nothing, if `path` was not reserved). */
export async function releaseTarget(path: string): Promise<void> {
  const target = await resolveTarget(path);
  const lock = held.get(target);
  if (!lock) return;
  held.delete(target);
  await unlink(lock).catch(() => {});
}

/** A failed save as one line that says what to do; the old file, if any, is untouched. */
function saveError(e: unknown, path: string, flag = 'save to'): Error {
  if (e instanceof UserError) return e;
  const keep = 'the previous file, if any, is unchanged';
  const what = `cannot ${flag === 'save to' ? 'save to' : `write ${flag}`} ${path}`;
  switch (errno(e)) {
    case 'ENOSPC': case 'EDQUOT': return new UserError(`${what}: the disk is full; free some space or save elsewhere (${keep})`);
    case 'EFBIG': return new UserError(`${what}: the file is larger than this system allows (file size limit, ulimit -f); ${keep}`);
    case 'EROFS': return new UserError(`${what}: the file system is read-only; save elsewhere`);
    case 'EACCES': case 'EPERM': return new UserError(`${what}: permission denied; save elsewhere`);
    case 'ENOENT': return new UserError(`${what}: its folder does not exist (any more); create it or save elsewhere`);
    case 'ENAMETOOLONG': return new UserError(`${what}: the file name is too long; choose a shorter one`);
    case 'EIO': return new UserError(`${what}: input/output error from the disk (${keep})`);
    default: return e as Error;
  }
}

/**
 * Writes `bytes` to `path` durably, or throws and leaves the old file as it was:
 * a temporary file beside it is written whole (short writes are continued), flushed to disk and
 * checked (size and contents) before a rename replaces the target, then the folder is flushed
 * so the rename itself survives a power cut. Refuses a target that is not a regular file, and
 * one another process is writing (its lock). Disk errors come out as one-line UserErrors.
 * @example
 *   await writeAtomic('model.safetensors', encodeCheckpoint(model, itos, training));
 */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const target = await resolveTarget(path);
  // Saves of one target from this process run one after another (the lock is per process).
  const before = inflight.get(target) ?? Promise.resolve();
  const mine = before.then(() => writeLocked(path, target, bytes));
  const settled = mine.catch(() => {});
  inflight.set(target, settled);
  try {
    await mine;
  } finally {
    if (inflight.get(target) === settled) inflight.delete(target);
  }
}
const inflight = new Map<string, Promise<void>>();

async function writeLocked(path: string, target: string, bytes: Uint8Array): Promise<void> {
  const old = await stat(target).catch(() => null);
  if (old && !old.isFile()) throw new UserError(`cannot save to ${path}: it is ${kindOf(old)}, not a regular file; give the path of a file to write`);
  const reserved = held.has(target);
  const lock = reserved ? null : await acquireLock(target, 'save to');
  const dir = dirname(target);
  const prefix = `.${basename(target)}.`;
  // We hold the target's lock, so any temporary file of it was left by a writer that died.
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) await unlink(join(dir, name)).catch(() => {});
  }
  const tmp = join(dir, `${prefix}${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  let fh: FileHandle | null = null;
  try {
    fh = await open(tmp, 'wx+', old ? old.mode & 0o7777 : 0o666);
    let off = 0;
    while (off < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, off, bytes.length - off, off);
      if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'ENOSPC' });
      off += bytesWritten;
    }
    await fh.sync();
    const written = (await fh.stat()).size;
    if (written !== bytes.length) throw new Error(`wrote ${written} of ${bytes.length} bytes`);
    const back = new Uint8Array(bytes.length);
    let got = 0;
    while (got < back.length) {
      const { bytesRead } = await fh.read(back, got, back.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got !== bytes.length || Buffer.compare(back, bytes) !== 0) throw Object.assign(new Error('the file read back differs from what was written'), { code: 'EIO' });
    await fh.close();
    fh = null;
    if (old) {
      await chmod(tmp, old.mode & 0o7777);
      if (process.getuid?.() === 0) await chown(tmp, old.uid, old.gid).catch(() => {});
    }
    await rename(tmp, target);
    await syncFolder(dir);
  } catch (e) {
    await fh?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw saveError(e, path);
  } finally {
    if (lock) await unlink(lock).catch(() => {});
  }
}

/** fsync of a folder, so a rename in it is on disk; platforms that cannot (Windows) skip it. */
async function syncFolder(dir: string): Promise<void> {
  let fh: FileHandle;
  try { fh = await open(dir, constants.O_RDONLY); } catch { return; }
  try {
    await fh.sync();
  } catch (e) {
    if (!['EINVAL', 'EISDIR', 'EPERM', 'EBADF'].includes(errno(e) ?? '')) throw e;
  } finally {
    await fh.close();
  }
}

/**
 * Reads a checkpoint file's bytes (a regular file, at most MAX_CHECKPOINT_BYTES), with a one-line
 * error for the usual mistakes; `fix` says which file to pass instead.
 */
export async function readCheckpointFile(path: string, fix = 'pass the file written by `wasmgrad train --save FILE`'): Promise<Uint8Array> {
  try {
    return await readRegularFile(path, 'checkpoint', MAX_CHECKPOINT_BYTES, fix);
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (errno(e) === 'ENOENT') throw new UserError(`checkpoint not found: ${path}; ${fix}`);
    throw new UserError(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
}


/**
 * Checks, before any work, that writeAtomic will be able to write `path`: checkWritable's checks,
 * then a trial, a file created and removed beside the target under a name as long as
 * writeAtomic's temporary file (so a name too long for the file system fails now, not after
 * training). Call it before claimOutputs, which then reserves the target.
 */
export async function checkSaveTarget(path: string, flag: string): Promise<void> {
  if (/[\\/]$/.test(path)) throw new UserError(`${flag} ${path} ends with '/', so it names a folder; give a file name`);
  await checkWritable(path, flag);
  const target = await resolveTarget(path);
  const probe = join(dirname(target), `.${basename(target)}.${process.pid}.probe000.tmp`);
  try {
    const fh = await open(probe, 'wx');
    await fh.close();
    await unlink(probe);
  } catch (e) {
    if (errno(e) === 'ENAMETOOLONG') throw new UserError(`${flag} ${path}: the file name is too long for this file system; choose a shorter one`);
    throw new UserError(`${flag} ${path}: cannot write there (${(e as Error).message}); choose another path`);
  }
}
