import path from 'node:path';

/** How a dotfile is encoded, which decides how (and whether) it can be written back. */
export type ConfigFormat = 'json' | 'yaml' | 'package-json' | 'module';

/** The format of a dotfile from its name (and, for extension-less rc files, its content). */
export function configFormat(filepath: string, content?: string): ConfigFormat {
  const base = path.basename(filepath);
  const ext = path.extname(base).toLowerCase();
  if (base === 'package.json') return 'package-json';
  if (['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'].includes(ext)) return 'module';
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  // `.zenmlrc` and `config` are YAML or JSON: keep whichever the file already uses.
  if (content === undefined || content.trim() === '') return 'json';
  return content.trimStart().startsWith('{') ? 'json' : 'yaml';
}

const SUPPORTED_EXTENSIONS = ['', '.json', '.yaml', '.yml', '.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];

/** Whether a dotfile can be read and written under this name (`.toml`, `.ini`, … cannot: they would be read as JSON). */
export function supportedDotfileName(filepath: string): boolean {
  return SUPPORTED_EXTENSIONS.includes(path.extname(path.basename(filepath)).toLowerCase());
}

/** The accepted dotfile extensions, for error messages. */
export const SUPPORTED_DOTFILE_FORMS = '.json, .yaml, .yml, .js, .mjs, .cjs, .ts, or no extension (JSON or YAML)';
