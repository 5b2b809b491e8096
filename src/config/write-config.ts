import { ConfigError } from '../errors.js';
import { writeAtomic } from '../fs/atomic-write.js';
import { withFileLock } from '../fs/file-lock.js';
import { readDotfile, type RawDotfile } from './read-config.js';
import { hasLiteralSecret } from './secret-setting.js';
import { loadYaml, syncYamlDocument } from './yaml-document.js';

/**
 * Re-read the dotfile under the lock, let `mutate` change the raw object in place, and write it
 * back atomically in its own format. Nothing is written when `mutate` throws.
 */
export async function updateDotfile<T>(filepath: string, mutate: (file: RawDotfile) => T | Promise<T>): Promise<T> {
  return withFileLock(filepath, async () => {
    const file = await readDotfile(filepath);
    if (file.format === 'module') {
      throw new ConfigError(`${filepath}: cannot write to a JavaScript config file`, {
        suggestion: 'edit it by hand, or point --config / ZENML_CONFIG at a .json or .yaml file',
      });
    }
    const result = await mutate(file);
    // A dotfile holding a token itself (not an {"env": …} reference) is readable by its owner only, as the
    // server configs beside the state are; otherwise it keeps the mode it had.
    await writeAtomic(filepath, await serialize(file), hasLiteralSecret(file.raw) ? PRIVATE_MODE : undefined);
    return result;
  });
}

const PRIVATE_MODE = 0o600;

async function serialize(file: RawDotfile): Promise<string> {
  if (file.format === 'package-json') {
    return `${JSON.stringify({ ...file.document, zenml: file.raw }, null, 2)}\n`;
  }
  if (file.format === 'yaml') {
    const yaml = await loadYaml();
    const doc = file.yaml ?? new yaml.Document({});
    syncYamlDocument(yaml, doc, file.raw);
    const text = doc.toString({ lineWidth: 120 });
    return text.endsWith('\n') ? text : `${text}\n`;
  }
  return `${JSON.stringify(file.raw, null, 2)}\n`;
}
