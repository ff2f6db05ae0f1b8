// The real names.txt for tests that need it: ./names.txt in the folder the tests run from (CI
// copies it there). Without it those tests are registered as skipped, so uvu's summary counts
// them honestly, never as passes.
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'uvu';

export const NAMES_PATH = 'names.txt';

export function namesPath(): string | null {
  return existsSync(NAMES_PATH) ? NAMES_PATH : null;
}

export function namesText(): string | null {
  const p = namesPath();
  return p ? readFileSync(p, 'utf8') : null;
}

/** The hint printed once per file when names.txt is missing. */
export const NAMES_HINT = 'need ./names.txt (makemore\'s 32,033 names: https://raw.githubusercontent.com/karpathy/makemore/master/names.txt)';

let hinted = false;

/** `test` when names.txt is present, else `test.skip` (with a one-line hint on the first skip). */
export function namesTest(name: string, fn: () => void | Promise<void>): void {
  if (namesPath()) { test(name, fn); return; }
  if (!hinted) { console.log(`  skipping tests that ${NAMES_HINT}`); hinted = true; }
  test.skip(name, fn);
}
