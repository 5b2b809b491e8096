// Tests run built code (the `zenml` binary runs dist/bundle/main.js; servers run dist/server): a
// guard fails fast, with a message, when that code is missing or older than its sources, instead
// of letting a suite test stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Source files (recursively) modified after `builtMs` (with 1 s of slack for coarse file systems). */
export function staleSources(srcDir: string, builtMs: number): string[] {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (statSync(full).mtimeMs > builtMs + 1000) stale.push(path.relative(srcDir, full));
    }
  };
  walk(srcDir);
  return stale.sort();
}

/** Throw unless `built` exists and is newer than every file under `srcDir`. */
export function assertFresh(built: string, srcDir: string, rebuild = 'npm run build'): void {
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`${rebuild}\` first`);
  const stale = staleSources(srcDir, statSync(built).mtimeMs);
  if (stale.length > 0) {
    throw new Error(`${built} is older than ${stale.length} file(s) under ${srcDir} (${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ', …' : ''}): run \`${rebuild}\``);
  }
}
