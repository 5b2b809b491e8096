/**
 * The names completion offers, read the cheap way: the dotfile without validation (a broken one
 * offers what it can), flavor names without loading any flavor code, and model-server uuids from
 * the service store's index plus one directory listing, without reconciling any process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { locateConfig } from '../../config/locate-config.js';
import { isPlainObject, readDotfile } from '../../config/read-config.js';
import { deployerStateDir } from '../../deployers/state-dir.js';
import { BUILTIN_FLAVORS } from '../../flavors/builtin-flavors.js';
import { readIndex } from '../../services/service-index.js';
import type { Candidate, CompletionSources, LineContext } from './complete.js';

/**
 * Flavors whose services live in the service store under their state dir (`local` and `mlflow`,
 * which extends it). Others keep theirs elsewhere (a cluster, a custom flavor's own files) and
 * would need their code loaded to list them: completion offers no uuids for those.
 */
const STORE_FLAVORS = new Set(['local', 'mlflow']);

// The schema's DEFAULT_NAME and DEFAULT_FLAVOR, repeated: config/schema.ts would load zod into every completion.
const DEFAULT_NAME = 'default';
const DEFAULT_FLAVOR = 'local';

/** Reading at most this many records that the index does not hold yet keeps a completion fast. */
const MAX_UNINDEXED_READS = 50;

interface LenientConfig {
  filepath: string;
  configDir: string;
  activeStack: string;
  stacks: Record<string, string>;
  deployers: Record<string, { flavor: string; stateDir?: string }>;
  flavors: Record<string, string>;
}

/** Sources that read the dotfile found from `cwd` (or `--config` on the line, or ZENML_CONFIG). */
export function configSources(cwd: string, env: NodeJS.ProcessEnv): CompletionSources {
  const cache = new Map<string, Promise<LenientConfig>>();
  const config = (line: LineContext) => {
    const key = line.config ?? '';
    let loaded = cache.get(key);
    if (!loaded) cache.set(key, (loaded = loadLenient(cwd, line.config, env)));
    return loaded;
  };
  return {
    async flavors(line) {
      const custom = Object.entries((await config(line).catch(() => undefined))?.flavors ?? {});
      return [
        ...BUILTIN_FLAVORS.map((f) => ({ value: f.name, description: f.description })),
        ...custom.map(([value, source]) => ({ value, description: `custom: ${source}` })),
      ];
    },
    async deployers(line) {
      const c = await config(line);
      return Object.entries(c.deployers).map(([value, d]) => ({ value, description: `${d.flavor} deployer` }));
    },
    async stacks(line) {
      const c = await config(line);
      return Object.entries(c.stacks).map(([value, deployer]) => ({
        value,
        description: `deployer ${deployer}${value === c.activeStack ? ' (active)' : ''}`,
      }));
    },
    async services(line) {
      const c = await config(line);
      const name = line.deployer ?? c.stacks[c.activeStack];
      const deployer = name === undefined ? undefined : c.deployers[name];
      if (!deployer || !STORE_FLAVORS.has(deployer.flavor)) return [];
      const stateDir = deployer.stateDir ? path.resolve(c.configDir, deployer.stateDir) : deployerStateDir(c, name!, env);
      return storedServices(stateDir);
    },
  };
}

/** Uuids of the services in a store, described by model name: the index, checked against the directory. */
export function storedServices(stateDir: string): Candidate[] {
  const servicesDir = path.join(stateDir, 'services');
  let dirs: string[];
  try {
    dirs = readdirSync(servicesDir);
  } catch {
    return [];
  }
  const entries = readIndex(stateDir).entries;
  let unindexedReads = 0;
  return dirs.map((uuid) => {
    let record = entries?.get(uuid)?.record;
    if (!record && unindexedReads++ < MAX_UNINDEXED_READS) {
      try {
        record = JSON.parse(readFileSync(path.join(servicesDir, uuid, 'service.json'), 'utf8'));
      } catch {
        // a directory being created or removed: offered without a description
      }
    }
    const model = record?.config?.modelName;
    return typeof model === 'string' && model !== '' ? { value: uuid, description: model } : { value: uuid };
  });
}

async function loadLenient(cwd: string, configPath: string | undefined, env: NodeJS.ProcessEnv): Promise<LenientConfig> {
  const location = await locateConfig({ cwd, configPath, env });
  const { raw } = await readDotfile(location.filepath);
  const section = (key: string) => (isPlainObject(raw[key]) ? (raw[key] as Record<string, unknown>) : {});
  const deployers: LenientConfig['deployers'] = { [DEFAULT_NAME]: { flavor: DEFAULT_FLAVOR } };
  for (const [name, entry] of Object.entries(section('modelDeployers'))) {
    if (!isPlainObject(entry) || typeof entry.flavor !== 'string') continue;
    const settings = isPlainObject(entry.settings) ? entry.settings : {};
    deployers[name] = { flavor: entry.flavor, stateDir: typeof settings.stateDir === 'string' ? settings.stateDir : undefined };
  }
  const stacks: Record<string, string> = { [DEFAULT_NAME]: DEFAULT_NAME };
  for (const [name, entry] of Object.entries(section('stacks'))) {
    if (isPlainObject(entry) && typeof entry.modelDeployer === 'string') stacks[name] = entry.modelDeployer;
  }
  const flavors: Record<string, string> = {};
  for (const [name, entry] of Object.entries(section('flavors'))) {
    if (isPlainObject(entry) && typeof entry.source === 'string') flavors[name] = entry.source;
  }
  return {
    filepath: location.filepath,
    configDir: path.dirname(location.filepath),
    activeStack: typeof raw.activeStack === 'string' ? raw.activeStack : DEFAULT_NAME,
    stacks,
    deployers,
    flavors,
  };
}
