// `flavor list` loads the local flavor's module: it must not pull in onnxruntime (only the spawned server does).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './local-helpers.js';

/** Every module reachable from `entry` by static or dynamic imports: relative files and package names. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) {
      const spec = match[1];
      if (!spec.startsWith('.')) {
        packages.add(spec);
        continue;
      }
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
      if (existsSync(target)) queue.push(target);
    }
  }
  return { files, packages };
}

test('the local flavor module never imports onnxruntime-node', () => {
  const { files, packages } = importGraph(path.join(repoRoot, 'src/integrations/local/index.ts'));
  expect(files.size).toBeGreaterThan(5);
  expect([...packages].filter((p) => p.includes('onnxruntime'))).toEqual([]);
  expect([...files].filter((f) => f.includes(`${path.sep}server${path.sep}`)).map((f) => path.basename(f))).toEqual(['config.ts']);
});
