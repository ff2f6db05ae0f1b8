// Which characters a name may hold, and text made safe for a terminal: a checkpoint or a file
// name is not ours, and a raw ESC in it could retitle or repaint the user's terminal.
// Portable. Leaves out: parsing names files (data.ts), which gives each mistake its own message.

/** Characters a names file should not hold: C0/C1 controls including tab, DEL, the Unicode
 *  line/paragraph separators (Python's splitlines would break lines on those; we refuse), and the
 *  bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which reorder what a
 *  terminal shows after them. */
export const CONTROL = /[\u0000-\u0009\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/**
 * The longest line a names (or words) file may hold, in UTF-16 units: far above any name, and a
 * file that is one huge line is refused at once instead of becoming a model with a block of that size.
 */
export const MAX_WORD_LENGTH = 1000;

/** The error for a line over MAX_WORD_LENGTH (line numbers from 1), or null. */
export function tooLong(line: string, lineNumber: number): string | null {
  if (line.length <= MAX_WORD_LENGTH) return null;
  return `line ${lineNumber} is ${line.length.toLocaleString('en-US')} characters long, over the ${MAX_WORD_LENGTH} a line may hold: expected one name per line (is this the right file?)`;
}

/**
 * True for one character (code point) that a name may hold: what parseNames accepts, so every
 * character of a vocabulary built from a names file passes. Not '.', the start/end token.
 */
export function isNameChar(ch: string): boolean {
  return typeof ch === 'string' && [...ch].length === 1 && ch !== '.' && ch !== '\n' && ch !== '\r' && ch !== '\uFFFD' && !CONTROL.test(ch);
}

const UNSAFE = new RegExp(`${CONTROL.source}|[\\n\\r]`, 'gu');

/**
 * `s` with every control character (and newline) written as an escape, so it prints on one line
 * and cannot drive the terminal.
 * @example
 *   escapeControls('a\x1b]0;pwned\x07b'); // 'a\\x1b]0;pwned\\x07b'
 */
export function escapeControls(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
