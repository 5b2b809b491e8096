import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import yaml from 'js-yaml';
import { ConfigError } from '../errors.js';
import { configFormat, type ConfigFormat } from './format.js';

/** The file as read: its raw object (what gets edited and written back) and its format. */
export interface RawDotfile {
  filepath: string;
  format: ConfigFormat;
  /** The whole parsed file; for package.json, the whole package (the config is its `zenml` key). */
  document: Record<string, unknown>;
  /** The zenml configuration object inside the document. */
  raw: Record<string, unknown>;
}

/** Read and parse a dotfile; a missing file reads as empty. Parse errors name the file and position. */
export async function readDotfile(filepath: string): Promise<RawDotfile> {
  let content: string;
  try {
    content = await readFile(filepath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { filepath, format: configFormat(filepath), document: {}, raw: {} };
    }
    throw new ConfigError(`${filepath}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  const format = configFormat(filepath, content);
  const document = await parseDocument(filepath, format, content);
  if (format === 'package-json') {
    const raw = document.zenml ?? {};
    if (!isPlainObject(raw)) throw new ConfigError(`${filepath}: zenml: expected an object`);
    return { filepath, format, document, raw };
  }
  return { filepath, format, document, raw: document };
}

async function parseDocument(filepath: string, format: ConfigFormat, content: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    if (format === 'module') {
      const mod = await import(pathToFileURL(filepath).href);
      value = mod.default ?? mod;
    } else if (format === 'yaml') {
      value = yaml.load(content, { filename: filepath });
    } else {
      value = content.trim() === '' ? {} : JSON.parse(content);
    }
  } catch (error) {
    throw new ConfigError(`${filepath}: cannot parse ${format === 'module' ? 'module' : format.toUpperCase()}: ${(error as Error).message}`, {
      cause: error,
      suggestion: `fix the syntax of ${filepath}; it was left unchanged`,
    });
  }
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new ConfigError(`${filepath}: (root): expected an object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  return value;
}

/** True for `{…}` objects (not arrays or null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
