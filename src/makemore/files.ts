// The Node side of the makemore app: reading the names file (downloading it when the default
// one is missing) and checkpoints, and durable writes. Everything else in makemore/ is portable.
// Reads take regular files only, up to a size cap; writes go through a temporary file that is
// written whole, flushed and checked before a rename puts it in place, so the old file stays
// until the new one is complete. Leaves out: what the bytes mean (checkpoint.ts, data.ts).
import { open, stat, mkdir, readdir, access, realpath, readlink, rename, unlink, link, utimes, chmod, chown, constants, type FileHandle } from 'node:fs/promises';
import { unlinkSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { hostname } from 'node:os';
import { parseNames, DataError } from './data.ts';

export const NAMES_URL = 'https://raw.githubusercontent.com/karpathy/makemore/master/names.txt';
/** Where makemore's names.txt is on its server (or a mirror's): a download from there must be that file. */
const MAKEMORE_PATH = '/karpathy/makemore/master/names.txt';
/** The SHA-256 of makemore's names.txt (32,033 names, 228,145 bytes): what a download from NAMES_URL must be. */
export const NAMES_SHA256 = '0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d';

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
    // From makemore's own address, only makemore's file is kept: a proxy's or a server's error
    // page sent with status 200 can pass for a short list of names, and would stay names.txt for good.
    if (new URL(url).pathname.endsWith(MAKEMORE_PATH) && await sha256(body) !== NAMES_SHA256) throw new DataError(`it is not makemore's names.txt (${body.length} bytes, other contents)`);
    parseNames(text);
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    throw new UserError(`the download from ${url} is not a names list (${e.message.replace(/;.*$/, '')}); nothing was saved. ${manual}`);
  }
  await writeAtomic(path, body);
  log(`saved ${path} (${body.length} bytes)`);
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
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

// Locks: `<file>.lock`, made whole or not at all (written to a temporary file, then hard-linked
// into place, which fails if a lock is there), holding who owns it: host, boot, PID namespace,
// PID and the process's start time. A save takes its target's lock for the write (or keeps it
// for the whole run, reserveTarget), so two processes saving to one path get a clear error
// instead of one silently overwriting the other's file. A lock whose owner is gone (died, the
// machine rebooted, a container restarted as PID 1 again, a PID reused) is taken over, saying so.
const held = new Map<string, string>(); // real target path -> lock path, for this process
let exitHookSet = false;

const lockPath = (target: string) => `${target}.lock`;

/**
 * The file a save of `path` writes: a symlink (even a dangling one) is written through to the file
 * it names, as editors do; the folder of a file that does not exist yet is resolved, so one file
 * gets one lock however it is named (a symlinked folder, `..`, a relative path).
 */
async function resolveTarget(path: string): Promise<string> {
  let p = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    const real = await realpath(p).catch(() => null);
    if (real) return real;
    const link = await readlink(p).catch(() => null);
    if (link === null) break;
    p = resolve(dirname(p), link);
  }
  const dir = await realpath(dirname(p)).catch(() => dirname(p));
  return join(dir, basename(p));
}

/** Who holds a lock: enough to tell a live writer from a dead one on this machine. */
interface Owner { pid: number; host: string; boot?: string; pidns?: string; start?: string }

const readText = (file: string): string | null => { try { return readFileSync(file, 'utf8'); } catch { return null; } };
/** The kernel's id of this boot, and this process's PID namespace (Linux; undefined elsewhere). */
const BOOT = readText('/proc/sys/kernel/random/boot_id')?.trim() || undefined;
const pidNamespace = (pid: number | 'self') => { try { return readlinkSync(`/proc/${pid}/ns/pid`); } catch { return undefined; } };
/** A process's start time (clock ticks since boot: field 22 of /proc/PID/stat); undefined if it has ended (or is a zombie). */
function startTime(pid: number | 'self'): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields && fields[0] !== 'Z' && fields[0] !== 'X' ? fields[19] : undefined;
}

function me(): Owner {
  return { pid: process.pid, host: hostname(), boot: BOOT, pidns: pidNamespace('self'), start: startTime('self') };
}

/** The owner written in a lock; null for an empty or unreadable one (a writer that failed midway). */
function parseOwner(text: string): Owner | null {
  try {
    const o = JSON.parse(text) as Owner;
    if (o && Number.isSafeInteger(o.pid) && o.pid > 0 && typeof o.host === 'string') return o;
  } catch { /* the older "pid host" line, or damage */ }
  const [pid, host] = text.trim().split(' ');
  return Number(pid) > 0 && host ? { pid: Number(pid), host } : null;
}

/**
 * Whether the lock's owner may still be writing: 'alive', 'gone' (with why), or 'unknown' (in a
 * PID namespace this process cannot see into: another container on this machine).
 */
function ownerState(o: Owner): { state: 'alive' | 'unknown' } | { state: 'gone'; why: string } {
  const self = me();
  if (o.host !== self.host) return { state: 'alive' }; // another machine's: it cannot be looked at, so it is respected
  if (o.boot && self.boot && o.boot !== self.boot) return { state: 'gone', why: 'the machine has restarted since' };
  if (o.pidns && self.pidns && o.pidns !== self.pidns) {
    // Another PID namespace (a container): seen from outside it, its processes are in /proc with
    // their own namespace and start time; from inside another one, they cannot be seen at all.
    if (pidNamespace(1) === self.pidns) return { state: 'unknown' };
    for (const name of readdirSyncSafe('/proc')) {
      const pid = Number(name);
      if (pid > 0 && pidNamespace(pid) === o.pidns && startTime(pid) !== undefined && (!o.start || startTime(pid) === o.start)) return { state: 'alive' };
    }
    return { state: 'gone', why: `its PID namespace (a container) has no such process any more` };
  }
  if (!isAlive(o.pid)) return { state: 'gone', why: `process ${o.pid} has ended` };
  if (o.start && self.boot && o.boot === self.boot && startTime(o.pid) !== o.start) return { state: 'gone', why: `process ${o.pid} has ended (its PID is another process's now)` };
  return { state: 'alive' };
}

function readdirSyncSafe(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}

async function acquireLock(target: string, flag: string): Promise<string> {
  const lock = lockPath(target);
  const mine = `${JSON.stringify(me())}\n`;
  for (let attempt = 0; ; attempt++) {
    // Written whole beside it, then linked into place: a full disk leaves no empty lock behind.
    const tmp = `${lock}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
    try {
      const fh = await open(tmp, 'wx');
      try { await fh.writeFile(mine); await fh.sync(); } finally { await fh.close(); }
      await link(tmp, lock);
      return lock;
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw saveError(e, target, flag);
    } finally {
      await unlink(tmp).catch(() => {});
    }
    const text = readText(lock);
    if (text === null) continue; // removed meanwhile: try again
    const owner = parseOwner(text);
    let state = owner ? ownerState(owner) : { state: 'gone' as const, why: 'it is empty or damaged (a writer that failed midway)' };
    if (state.state === 'unknown') state = await heartbeat(lock);
    if (state.state !== 'gone' || attempt > 2) {
      const where = owner && owner.host !== hostname() ? ` on ${owner.host}` : owner?.pidns && owner.pidns !== me().pidns ? ' in another PID namespace (container)' : '';
      const who = owner ? `another wasmgrad process (pid ${owner.pid}${where})` : 'another process';
      throw new UserError(`${flag} ${target} is being written by ${who}; wait for it to finish or choose another path (if no such process is running, delete ${lock})`);
    }
    process.stderr.write(`wasmgrad: taking over the stale lock ${lock}: ${state.why}\n`);
    await unlink(lock).catch(() => {});
  }
}

/**
 * A lock whose owner cannot be looked at (another container's PID namespace on this machine)
 * is judged by its heartbeat: its owner touches it every LOCK_REFRESH_MS. Waits until it is
 * LOCK_STALE_MS old (gone) or is touched again (alive).
 */
const LOCK_REFRESH_MS = 2000, LOCK_STALE_MS = 10_000;
async function heartbeat(lock: string): Promise<{ state: 'alive' } | { state: 'gone'; why: string }> {
  const first = await stat(lock).catch(() => null);
  if (!first) return { state: 'gone', why: 'it was removed' };
  let told = false;
  for (;;) {
    const now = await stat(lock).catch(() => null);
    if (!now) return { state: 'gone', why: 'it was removed' };
    if (now.mtimeMs !== first.mtimeMs) return { state: 'alive' };
    const age = Date.now() - now.mtimeMs;
    if (age > LOCK_STALE_MS) return { state: 'gone', why: `its owner cannot be seen from here and has not touched it for ${Math.round(age / 1000)} s` };
    if (!told) { process.stderr.write(`wasmgrad: ${lock} belongs to a process that cannot be seen from here; waiting up to ${Math.ceil((LOCK_STALE_MS - age) / 1000)} s to see whether it is alive\n`); told = true; }
    await new Promise((r) => setTimeout(r, 250));
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
    // The heartbeat that tells processes which cannot see this one that it is alive.
    setInterval(() => { const t = new Date(); for (const lock of held.values()) utimes(lock, t, t).catch(() => {}); }, LOCK_REFRESH_MS).unref();
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
