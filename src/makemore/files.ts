// The Node side of the makemore app: reading the names file (downloading it when the default
// one is missing), and atomic checkpoint writes. Everything else in makemore/ is portable.
import { readFile, stat, access, constants } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

export const NAMES_URL = 'https://raw.githubusercontent.com/karpathy/makemore/master/names.txt';

/** Where names.txt is downloaded from: WASMGRAD_NAMES_URL overrides it (a mirror, or tests). */
const namesUrl = () => process.env.WASMGRAD_NAMES_URL || NAMES_URL;

/** A problem the user can fix (bad path, unwritable folder, offline): exit 1, one line. */
export class UserError extends Error {}

/** Reads the names file as UTF-8 text (invalid bytes become U+FFFD, which parseNames rejects). */
export async function readNames(path: string, opts: { download: boolean; log: (msg: string) => void }): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && opts.download) {
      await download(path, opts.log);
      bytes = await readFile(path);
    } else if (code === 'ENOENT') {
      throw new UserError(`names file not found: ${path}; pass --data path/to/names.txt (one name per line)`);
    } else if (code === 'EISDIR') {
      throw new UserError(`--data ${path} is a folder; pass the names file itself`);
    } else {
      throw new UserError(`cannot read names file ${path}: ${(e as Error).message}`);
    }
  }
  return new TextDecoder('utf-8').decode(bytes);
}

async function download(path: string, log: (msg: string) => void): Promise<void> {
  const url = namesUrl();
  log(`${path} not found: downloading makemore's names.txt from ${url}`);
  let text: string;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    text = await res.text();
  } catch (e) {
    const why = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new UserError(`could not download names.txt (${why}); are you offline? Download it from ${url} to ${path}, or pass --data FILE`);
  }
  await writeAtomic(path, new TextEncoder().encode(text));
  log(`saved ${path} (${text.length} bytes)`);
}

/** Throws a UserError now if `path` cannot be written later (missing or read-only folder). */
export async function checkWritable(path: string, flag: string): Promise<void> {
  const dir = dirname(resolve(path));
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new UserError(`${flag} ${path}: ${dir} is not a folder`);
    await access(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${flag} ${path}: folder ${dir} does not exist; create it first or choose another path`);
    throw new UserError(`${flag} ${path}: folder ${dir} is not writable`);
  }
  try {
    if ((await stat(path)).isDirectory()) throw new UserError(`${flag} ${path} is a folder; give a file name`);
  } catch (e) {
    if (e instanceof UserError) throw e;
  }
}

/** Writes through a temporary file in the same folder and a rename: never a half file. */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await writeFileAtomic(path, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** Reads a checkpoint file's bytes, with a one-line error for the usual mistakes. */
export async function readCheckpointFile(path: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`checkpoint not found: ${path}; pass the file written by \`wasmgrad train --save FILE\``);
    if (code === 'EISDIR') throw new UserError(`checkpoint ${path} is a folder; pass the file itself`);
    throw new UserError(`cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
}
