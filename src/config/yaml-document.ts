// YAML dotfiles through the `yaml` package's document model, so that a write changes only the
// keys a command owns and keeps the user's comments, key order and layout everywhere else.
import type { Document, Node, Pair } from 'yaml';
import { ConfigError } from '../errors.js';

type YamlModule = typeof import('yaml');

/** The `yaml` module, loaded on the first YAML dotfile (JSON projects never pay for it). */
export async function loadYaml(): Promise<YamlModule> {
  const mod = (await import('yaml')) as YamlModule & { default?: YamlModule };
  // Bundled, the CommonJS build arrives as the default export.
  return typeof mod.parseDocument === 'function' ? mod : mod.default!;
}

/** Parse YAML text into a document; syntax errors name the file, line and column. */
export function parseYamlDocument(yaml: YamlModule, filepath: string, content: string): Document {
  const doc = yaml.parseDocument(content, { prettyErrors: true });
  const [error] = doc.errors;
  if (error) {
    const pos = error.linePos?.[0];
    const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${filepath}: cannot parse YAML: ${message}${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}`, {
      cause: error,
      suggestion: `fix the syntax of ${filepath}; it was left unchanged`,
    });
  }
  return doc;
}

/**
 * Make `doc` hold `value`, touching only what differs: unchanged keys keep their nodes (and
 * comments), removed keys go, new keys are appended in the map's order.
 */
export function syncYamlDocument(yaml: YamlModule, doc: Document, value: Record<string, unknown>): void {
  doc.contents = syncNode(yaml, doc, doc.contents as Node | null, value) as typeof doc.contents;
}

function syncNode(yaml: YamlModule, doc: Document, node: Node | null, value: unknown): Node {
  if (yaml.isMap(node) && isPlainObject(value)) {
    for (const pair of [...node.items] as Pair[]) {
      const key = yaml.isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!Object.hasOwn(value, key)) node.delete(pair.key);
    }
    for (const [key, child] of Object.entries(value)) {
      const pair = (node.items as Pair[]).find((p) => (yaml.isScalar(p.key) ? String(p.key.value) : String(p.key)) === key);
      if (pair) pair.value = syncNode(yaml, doc, pair.value as Node | null, child);
      else node.add(doc.createPair(key, child));
    }
    return node;
  }
  if (node && sameValue(node.toJSON(), value)) return node;
  const fresh = doc.createNode(value) as Node;
  // A replaced value keeps the comments that were attached to it.
  if (node) Object.assign(fresh, { comment: node.comment, commentBefore: node.commentBefore });
  return fresh;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
