/** Where this package is installed, and its version: found by walking up to our package.json. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's name in package.json. */
export const PACKAGE_NAME = 'zenml-model-deployer';

/**
 * The folder of our package.json above `fromUrl`, or undefined. A walk, not a fixed `../..`: the same module
 * runs from src/ (tests), dist/ (tsc output) and the esbuild bundles one or two folders deeper.
 */
export function locatePackageRoot(fromUrl: string = import.meta.url): string | undefined {
  let dir = path.dirname(fileURLToPath(fromUrl));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate) && readPackage(candidate)?.name === PACKAGE_NAME) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The package's version from its package.json; `0.0.0` only when no package.json of ours is found. */
export function packageVersion(fromUrl: string = import.meta.url): string {
  const root = locatePackageRoot(fromUrl);
  const version = root ? readPackage(path.join(root, 'package.json'))?.version : undefined;
  return typeof version === 'string' ? version : '0.0.0';
}

function readPackage(file: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}
