/**
 * The package version, answered by /version and GET /v2.
 */
import { readFileSync } from 'node:fs';

/** Reads the version from the package.json two folders up (src/server or dist/server → package root). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
