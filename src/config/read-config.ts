import { readFile } from 'node:fs/promises';
import type { Document } from 'yaml';
import { ConfigError } from '../errors.js';
import { configFormat, type ConfigFormat } from './format.js';
import { importModule } from './import-module.js';
import { loadYaml, parseYamlDocument } from './yaml-document.js';

/** The file as read: its raw object (what gets edited and written back) and its format. */
export interface RawDotfile {
  filepath: string;
  format: ConfigFormat;
  /** The whole parsed file; for package.json, the whole package (the config is its `zenml` key). */
  document: Record<string, unknown>;
  /** The zenml configuration object inside the document. */
  raw: Record<string, unknown>;
  /** For YAML files: the parsed document, written back with its comments. */
  yaml?: Document;
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
  if (format === 'yaml') {
    const yamlDoc = parseYamlDocument(await loadYaml(), filepath, content);
    const document = rootObject(filepath, yamlDoc.toJS());
    return { filepath, format, document, raw: document, yaml: yamlDoc };
  }
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
      value = await importModule(filepath);
      // `export default {…}`, `module.exports = {…}`, and either compiled to CommonJS by tsx
      // (`{default: {default: {…}}}`): the config is the innermost default. No config key is named `default`.
      while (isPlainObject(value) && isPlainObject(value.default)) value = value.default;
    } else {
      value = content.trim() === '' ? {} : JSON.parse(content);
    }
  } catch (error) {
    throw new ConfigError(`${filepath}: cannot parse ${format === 'module' ? 'module' : format.toUpperCase()}: ${(error as Error).message}`, {
      cause: error,
      suggestion: `fix the syntax of ${filepath}; it was left unchanged`,
    });
  }
  return rootObject(filepath, value);
}

function rootObject(filepath: string, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new ConfigError(`${filepath}: (root): expected an object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  return value;
}

/** True for `{…}` objects (not arrays or null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
