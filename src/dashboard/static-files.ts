/** The page's files, built by scripts/bundle-dashboard.mjs into dist/dashboard-web/ and read once at start. */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from '../errors.js';

/** One file the dashboard serves. */
export interface StaticFile {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

// dist/dashboard-web sits one level above both dist/dashboard/ (this module unbundled) and dist/bundle/ (the CLI's chunks).
const WEB_DIR = new URL('../dashboard-web/', import.meta.url);

/** Every file of the page by URL path (`/` is index.html); only these are ever served. */
export async function loadStaticFiles(dir: URL = WEB_DIR): Promise<Map<string, StaticFile>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new EnvironmentError(`the dashboard's page is missing: no ${fileURLToPath(dir)}`, { suggestion: 'npm run build' });
  }
  const files = new Map<string, StaticFile>();
  for (const name of names) {
    const type = TYPES[name.slice(name.lastIndexOf('.') + 1)];
    if (!type) continue;
    const body = await readFile(new URL(name, dir));
    files.set(name === 'index.html' ? '/' : `/${name}`, { body, type });
  }
  if (!files.has('/')) throw new EnvironmentError(`the dashboard's page is missing: no index.html in ${fileURLToPath(dir)}`, { suggestion: 'npm run build' });
  return files;
}
