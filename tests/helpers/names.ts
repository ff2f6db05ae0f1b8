// The real names.txt for tests that need it: ./names.txt (CI copies it there) or the shared copy.
import { existsSync, readFileSync } from 'node:fs';

export const NAMES_PATHS = ['names.txt', '../shared/data/names.txt'];

export function namesPath(): string | null {
  return NAMES_PATHS.find((p) => existsSync(p)) ?? null;
}

export function namesText(): string | null {
  const p = namesPath();
  return p ? readFileSync(p, 'utf8') : null;
}
