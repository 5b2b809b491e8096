/** Where the built model server lives: `<package root>/dist/server/main.js`. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerError } from '../../errors.js';

const PACKAGE_NAME = 'zenml-model-deployer';

/**
 * The folder of our package.json, found by walking up from this module. The same walk works from
 * `src/` (tests run the TypeScript) and from `dist/` (the installed CLI).
 */
export function findPackageRoot(fromUrl: string = import.meta.url): string {
  let dir = path.dirname(fileURLToPath(fromUrl));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate) && readPackageName(candidate) === PACKAGE_NAME) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new ServerError(`cannot find the ${PACKAGE_NAME} package above ${fileURLToPath(fromUrl)}`);
    dir = parent;
  }
}

/**
 * The model server's entry script: the esbuild bundle (`dist/server/bundle/main.js`, less memory per idle
 * server) when the build made one from the current tsc output, else the tsc output itself (a bare `tsc`
 * after a full build must not leave the servers running stale code); ServerError when neither has been built.
 */
export function serverEntryPath(): string {
  const root = findPackageRoot();
  const bundled = path.join(root, 'dist', 'server', 'bundle', 'main.js');
  const entry = path.join(root, 'dist', 'server', 'main.js');
  if (existsSync(bundled) && (!existsSync(entry) || mtimeMs(bundled) >= mtimeMs(entry))) return bundled;
  if (!existsSync(entry)) {
    throw new ServerError(`the model server is not built: ${entry} does not exist`, {
      suggestion: 'run npm run build',
    });
  }
  return entry;
}

function mtimeMs(file: string): number {
  return statSync(file).mtimeMs;
}

function readPackageName(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}
