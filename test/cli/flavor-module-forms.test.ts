// Layer 3: custom flavors in every module form, registered and used through the built binary,
// from a user project whose package.json has no "type" (so .js and .ts compile to CommonJS) and
// which reaches the package through its own node_modules (a link to this repo here; see
// packed-package.test.ts for a separately installed copy).
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { killRunningZenml, lines, parseJson, REPO_ROOT, runZenml } from '../helpers/cli.js';
import { flavorSource, type FlavorStyle } from '../helpers/flavor-project.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
let dir: string;

beforeEach(() => {
  dir = temp.dir('zenml-flavor-forms-');
  writeFileSync(path.join(dir, 'package.json'), '{"name": "user-project", "version": "1.0.0"}\n');
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(REPO_ROOT, path.join(dir, 'node_modules', 'zenml-model-deployer'), 'dir');
  writeFileSync(path.join(dir, '.zenmlrc.json'), '{"version": 1}\n');
});
afterEach(() => {
  killRunningZenml();
  temp.cleanup();
});

const zenml = (...args: string[]) => runZenml(args, { cwd: dir });

const forms: Array<[string, string, FlavorStyle, string?]> = [
  ['a .ts file with one named export, package without "type"', 'flavors/named.ts', 'ts'],
  ['a .cjs file (module.exports = { Class })', 'flavors/common.cjs', 'cjs'],
  ['a .js file, CommonJS (package without "type")', 'flavors/common.js', 'cjs'],
  ['a .js file, ESM (folder with "type": "module")', 'esm/modern.js', 'esm', '{"type": "module"}\n'],
  ['a .mjs file with one named export', 'flavors/modern.mjs', 'esm'],
];

describe.each(forms)('%s', (_label, file, style, folderPackageJson) => {
  const flavor = `f-${path.basename(file).replace('.', '-')}`;

  beforeEach(() => {
    const source = path.join(dir, file);
    mkdirSync(path.dirname(source), { recursive: true });
    if (folderPackageJson) writeFileSync(path.join(path.dirname(source), 'package.json'), folderPackageJson);
    writeFileSync(source, flavorSource(style, flavor, 'OnlyDeployer'));
  });

  it('registers, lists with its description, and deploys through the CLI', async () => {
    const reg = await zenml('model-deployer', 'flavor', 'register', `./${file}`);
    expect({ code: reg.code, stderr: reg.stderr }).toEqual({ code: 0, stderr: '' });
    const list = parseJson(await zenml('model-deployer', 'flavor', 'list', '--json'));
    expect(list.find((f: { name: string }) => f.name === flavor)).toEqual({
      name: flavor,
      type: 'model_deployer',
      integration: 'custom',
      source: `./${file}`,
      description: `${flavor} flavor (${style})`,
    });
    expect((await zenml('model-deployer', 'register', 'c', '--flavor', flavor, '--base-url', 'http://127.0.0.1:7001')).code).toBe(0);
    const deployed = await zenml('model-deployer', 'deploy', '--deployer', 'c', '--model-uri', '/m/a.onnx', '--json');
    expect(deployed.code).toBe(0);
    expect(parseJson(deployed)).toMatchObject({ deployer: 'c', flavor, predictionUrl: 'http://127.0.0.1:7001/invocations' });
    expect(lines((await zenml('model-deployer', 'find', '--deployer', 'c', '-q')).stdout)).toEqual([parseJson(deployed).uuid]);
  });

  it('the path#ExportName form finds the named export too', async () => {
    const reg = await zenml('model-deployer', 'flavor', 'register', `./${file}#OnlyDeployer`);
    expect({ code: reg.code, stderr: reg.stderr }).toEqual({ code: 0, stderr: '' });
    const described = parseJson(await zenml('model-deployer', 'flavor', 'describe', flavor, '--json'));
    expect(described.fields.map((f: { key: string }) => f.key)).toEqual(['baseUrl']);
  });
});

describe('a module exporting no deployer class', () => {
  it('is refused naming its exports, not a default export it does not have', async () => {
    mkdirSync(path.join(dir, 'flavors'));
    writeFileSync(path.join(dir, 'flavors', 'none.ts'), 'export const helper = 1;\nexport function other(): number { return 2; }\n');
    const r = await zenml('model-deployer', 'flavor', 'register', './flavors/none.ts');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path.join(dir, 'flavors', 'none.ts')} has no default export and none of its exports (helper, other) is a class extending BaseModelDeployer`);
  });
});
