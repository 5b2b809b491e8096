/** Where the built model server lives: `<package root>/dist/server/main.js`. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerError } from '../../errors.js';
import { locatePackageRoot, PACKAGE_NAME } from '../../package-root.js';

/**
 * The folder of our package.json, found by walking up from this module. The same walk works from
 * `src/` (tests run the TypeScript) and from `dist/` (the installed CLI).
 */
export function findPackageRoot(fromUrl: string = import.meta.url): string {
  const root = locatePackageRoot(fromUrl);
  if (!root) throw new ServerError(`cannot find the ${PACKAGE_NAME} package above ${fileURLToPath(fromUrl)}`);
  return root;
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
