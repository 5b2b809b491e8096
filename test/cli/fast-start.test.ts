// Layer 3: `zenml --help` and `flavor list` stay fast by not loading heavy or unneeded modules.
// A preload (`node --import`) records every module the process resolves — ESM through a
// module.register() resolve hook, CommonJS through Module._resolveFilename — into a file named
// by an env var; the tests then assert on that list, mapping the CLI bundle's chunks back to
// the modules they hold through esbuild's metafile.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT, killRunningZenml, recordProject, runZenml } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';
import { BUILTIN_FLAVORS } from '../../src/flavors/builtin-flavors.js';

const temp = new TempDirs();
let dir: string;
let preload: string;

const HOOKS = `// Records every resolved module URL (ESM) in $ZENML_TEST_RESOLVE_LOG.
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.ZENML_TEST_RESOLVE_LOG) appendFileSync(process.env.ZENML_TEST_RESOLVE_LOG, result.url + '\\n');
  return result;
}
`;

const PRELOAD = `// Registers the resolve hook, and records CommonJS require() resolutions too.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
register('./record-resolve-hooks.mjs', import.meta.url);
const original = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const resolved = original.apply(this, args);
  if (process.env.ZENML_TEST_RESOLVE_LOG && path.isAbsolute(resolved)) {
    appendFileSync(process.env.ZENML_TEST_RESOLVE_LOG, pathToFileURL(resolved).href + '\\n');
  }
  return resolved;
};
`;

beforeEach(() => {
  dir = temp.dir('zenml-fast-start-');
  writeFileSync(path.join(dir, 'record-resolve-hooks.mjs'), HOOKS);
  preload = path.join(dir, 'record-resolve.mjs');
  writeFileSync(preload, PRELOAD);
});
afterEach(() => {
  killRunningZenml();
  temp.cleanup();
});

/** Run the CLI with the recorder; returns the result and the packages (node_modules names) it resolved. */
async function runRecorded(args: string[]) {
  const log = path.join(dir, `resolved-${Math.random().toString(36).slice(2)}.txt`);
  const result = await runZenml(args, {
    cwd: dir,
    nodeArgs: ['--import', pathToFileURL(preload).href],
    env: { ZENML_TEST_RESOLVE_LOG: log },
  });
  const resolved = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  // The CLI is bundled (scripts/bundle-cli.mjs): a loaded chunk stands for the modules it holds.
  const urls = resolved.flatMap((url) => [url, ...bundledModules(url)]);
  const packages = new Set<string>();
  for (const url of urls) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match) packages.add(match[1]);
  }
  return { result, urls, packages };
}

/** The source modules inside a loaded chunk of dist/bundle, as file URLs, from esbuild's metafile. */
function bundledModules(url: string): string[] {
  const match = /\/(dist\/bundle\/[^/]+\.js)$/.exec(url);
  if (!match) return [];
  const meta = JSON.parse(readFileSync(path.join(REPO_ROOT, 'dist/bundle/meta.json'), 'utf8'));
  const inputs = Object.keys(meta.outputs[match[1]]?.inputs ?? {});
  return inputs.map((input) => pathToFileURL(path.join(REPO_ROOT, input)).href);
}

// Heavy packages the CLI depends on (checked below to be real, resolvable dependencies: a name that
// is not installed could never be loaded, and the checks on it could never fail). The Kubernetes
// client joins the list once a flavor depends on it.
const PACKAGE = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const DEPENDENCIES: Record<string, string> = { ...PACKAGE.dependencies };
const HEAVY = ['onnxruntime-node', 'onnxruntime-common', 'tsx', 'esbuild', ...['@kubernetes/client-node'].filter((name) => name in DEPENDENCIES)];

describe('the heavy-module list', () => {
  it.each(HEAVY)('%s is installed in the repo, so checking it is not loaded means something', (name) => {
    expect(existsSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'))).toBe(true);
  });

  it.each(['zod', 'cosmiconfig', 'commander', 'yaml'])('%s, checked by name below, is a dependency', (name) => {
    expect(DEPENDENCIES[name]).toBeDefined();
  });
});

describe('zenml --help', () => {
  it('loads commander but not onnxruntime-node, tsx, zod, cosmiconfig or @kubernetes/client-node', async () => {
    const { result, urls, packages } = await runRecorded(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: zenml');
    // The recorder works: it saw the CLI itself and commander.
    expect(urls).toEqual(expect.arrayContaining([expect.stringMatching(/\/dist\/cli\/main\.js$/)]));
    expect(packages.has('commander')).toBe(true);
    for (const name of [...HEAVY, 'zod', 'cosmiconfig', 'yaml']) {
      expect({ name, loaded: packages.has(name) }).toEqual({ name, loaded: false });
    }
    // No flavor, server or dashboard code either.
    expect(urls.filter((u) => /\/dist\/(integrations|server|flavors|config|fs|dashboard)\/|dashboard-handler/.test(u))).toEqual([]);
  });

  it('control: the dashboard command does load the dashboard code (so the check above can fail)', async () => {
    // Refused before it listens (a non-loopback host without --allow-remote): the modules are loaded by then.
    const { result, urls } = await runRecorded(['model-deployer', 'dashboard', '--host', '192.0.2.1', '--no-open']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--allow-remote/);
    expect(urls).toEqual(expect.arrayContaining([expect.stringMatching(/\/dist\/dashboard\/dashboard-security\.js$/), expect.stringMatching(/dashboard-handler\.js$/)]));
  });

  it('a subcommand help loads no config either', async () => {
    const { result, packages } = await runRecorded(['model-deployer', 'deploy', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--model-uri');
    expect(packages.has('commander')).toBe(true);
    for (const name of [...HEAVY, 'zod', 'cosmiconfig']) expect({ name, loaded: packages.has(name) }).toEqual({ name, loaded: false });
  });
});

describe('zenml model-deployer flavor list', () => {
  it('reads the config but loads no flavor code: no onnxruntime-node, tsx or @kubernetes/client-node', async () => {
    // A TypeScript flavor is registered: listing it must not compile it.
    recordProject(dir, {});
    const { result, urls, packages } = await runRecorded(['model-deployer', 'flavor', 'list', '-q']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${[...BUILTIN_FLAVORS.map((f) => f.name), 'record-ts', 'record-js'].join('\n')}\n`);
    expect(packages.has('commander')).toBe(true);
    expect(packages.has('cosmiconfig')).toBe(true); // it did read the dotfile
    for (const name of HEAVY) expect({ name, loaded: packages.has(name) }).toEqual({ name, loaded: false });
    expect(urls.filter((u) => /\/dist\/(integrations|server)\/|\/test\/fixtures\//.test(u))).toEqual([]);
  });

  it('with built-in components in the dotfile, validating their settings loads only the settings schemas', async () => {
    recordProject(dir, {});
    const file = path.join(dir, '.zenmlrc.json');
    const body = JSON.parse(readFileSync(file, 'utf8'));
    body.modelDeployers = { l: { flavor: 'local', settings: { workers: 2 } }, m: { flavor: 'mlflow', settings: { startTimeout: 10 } } };
    writeFileSync(file, JSON.stringify(body));
    const { result, urls, packages } = await runRecorded(['model-deployer', 'flavor', 'list', '-q']);
    expect(result.code).toBe(0);
    expect(packages.has('zod')).toBe(true);
    for (const name of HEAVY) expect({ name, loaded: packages.has(name) }).toEqual({ name, loaded: false });
    const flavorCode = urls.filter((u) => /\/dist\/(integrations|server)\/|\/test\/fixtures\//.test(u)).map((u) => u.replace(/^.*\/dist\//, ''));
    expect([...new Set(flavorCode)].sort()).toEqual(['integrations/local/local-settings.js', 'integrations/mlflow/mlflow-settings.js', 'server/config.js']);
  });

  it('control: describing the TypeScript flavor does load tsx (so the check above can fail)', async () => {
    recordProject(dir, {});
    const { result, packages } = await runRecorded(['model-deployer', 'flavor', 'describe', 'record-ts', '--json']);
    expect(result.code).toBe(0);
    expect(packages.has('tsx')).toBe(true);
  });
});

describe('zenml __complete (every Tab of the completion scripts)', () => {
  it('names and uuids load neither flavor code nor zod, onnxruntime-node or tsx', async () => {
    // A TypeScript flavor is registered and is the active deployer: naming it must not compile it.
    recordProject(dir, { r: { flavor: 'record-ts' } }, 'r');
    for (const words of [
      ['model-deployer', 'register', 'x', '--flavor', ''],
      ['model-deployer', 'stop', ''],
      ['model-deployer', 'stop', '--deployer', 'default', ''],
      ['stack', 'set', ''],
    ]) {
      const { result, urls, packages } = await runRecorded(['__complete', ...words]);
      expect(result.code).toBe(0);
      expect(packages.has('cosmiconfig')).toBe(true); // it did read the dotfile
      for (const name of [...HEAVY, 'zod']) expect({ words, name, loaded: packages.has(name) }).toEqual({ words, name, loaded: false });
      expect(urls.filter((u) => /\/dist\/(integrations|server)\/|\/test\/fixtures\//.test(u))).toEqual([]);
    }
  });
});
