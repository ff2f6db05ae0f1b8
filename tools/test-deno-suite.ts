// The uvu suite inside Deno: imports every tests/**/*.test.ts under the given folder (as uvu's own
// runner does) with Deno's Node compatibility, then runs them. tools/test-deno.js drives it.
// Process tests (files that import node:child_process: they spawn Node itself, e.g. the CLI's)
// run only under Node and are listed as skipped here.
// Usage: deno run -A tools/test-deno-suite.ts [dir or file.test.ts] [--skip name.test.ts ...]
const [dir = 'tests', ...rest] = Deno.args;
const skip = new Set(rest.filter((a) => a !== '--skip'));
const root = new URL('../', import.meta.url);

async function collect(rel: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(new URL(rel, root))) {
    const path = `${rel}/${e.name}`;
    if (e.isDirectory) out.push(...(await collect(path)));
    else if (e.name.endsWith('.test.ts') && !skip.has(e.name)) {
      const source = await Deno.readTextFile(new URL(path, root));
      if (/from ['"]node:child_process['"]/.test(source)) console.log(`${path}: skipped under Deno (spawns Node processes)`);
      else out.push(path);
    }
  }
  return out.sort();
}

const g = globalThis as unknown as { UVU_DEFER: number; UVU_INDEX: number; UVU_QUEUE: unknown[][] };
g.UVU_DEFER = 1;
const uvu = await import('uvu');
const files = dir.endsWith('.test.ts') ? [dir] : await collect(dir.replace(/\/$/, ''));
for (let i = 0; i < files.length; i++) {
  g.UVU_INDEX = i;
  g.UVU_QUEUE.push([files[i]]);
  await import(new URL(files[i], root).href);
}
await uvu.exec();
