// One way to import user code (custom flavors, JavaScript and TypeScript dotfiles): JavaScript
// natively, TypeScript through tsx, so `.ts` needs no build step wherever the CLI reads user code.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const TYPESCRIPT_EXTENSIONS = ['.ts', '.mts', '.cts'];

/** True for `.ts`, `.mts` and `.cts` files. */
export function isTypeScript(filepath: string): boolean {
  return TYPESCRIPT_EXTENSIONS.includes(path.extname(filepath).toLowerCase());
}

/** Import a JavaScript or TypeScript module by path; errors are the loader's own. */
export async function importModule(filepath: string): Promise<Record<string, unknown>> {
  if (isTypeScript(filepath)) {
    // tsx is imported only here: plain JavaScript and every command that loads no user code skip it.
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(pathToFileURL(filepath).href, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(filepath).href)) as Record<string, unknown>;
}
