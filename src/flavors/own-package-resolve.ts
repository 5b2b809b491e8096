/**
 * A flavor file outside any project that installs zenml-model-deployer (`flavor register ~/shared/flavor.ts
 * --allow-outside`) imports `zenml-model-deployer` and finds nothing: Node resolves packages from the importing
 * file's folder. This resolve hook answers that one specifier with the running CLI's own copy, only when normal
 * resolution fails, so a project's own installed copy still wins. Both loaders need it: ESM imports go through a
 * registered resolve hook, and TypeScript files outside an ESM package are compiled to CommonJS by tsx, whose
 * `require` goes through Module._resolveFilename (as module-alias and tsx itself hook it).
 */
import Module, { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { locatePackageRoot, PACKAGE_NAME } from '../package-root.js';

// Runs on Node's loader thread; `data` carries our entry's URL (see initialize).
const HOOKS = `
let target;
export async function initialize(data) { target = data.url; }
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (specifier === ${JSON.stringify(PACKAGE_NAME)} && target) return { url: target, shortCircuit: true };
    throw error;
  }
}
`;

let registered = false;

/** Register (once per process) the fallback that resolves `zenml-model-deployer` to this package's dist/index.js. */
export function resolveOwnPackageForUserCode(): void {
  if (registered) return;
  registered = true;
  const root = locatePackageRoot(import.meta.url);
  if (!root) return;
  const entry = path.join(root, 'dist', 'index.js');
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { url: pathToFileURL(entry).href } });
  const cjs = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = cjs._resolveFilename;
  cjs._resolveFilename = function resolveFilename(this: unknown, request: string, ...rest: unknown[]): string {
    try {
      return original.call(this, request, ...rest);
    } catch (error) {
      if (request === PACKAGE_NAME) return entry;
      throw error;
    }
  };
}
