// Layer 3: `deploy -c key=value` (service settings) through the built binary. A flavor's
// serviceSettingsSchema decides what may be set; a flavor without one stores any key as given.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fixture, killRunningZenml, parseJson, relativeFixture, runZenml, writeDotfile } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
let dir: string;

beforeEach(() => {
  dir = temp.dir('zenml-service-settings-');
  writeDotfile(dir, {
    version: 1,
    flavors: {
      'svc-settings': { source: relativeFixture(dir, 'service-settings-flavor.mjs') },
      'record-js': { source: relativeFixture(dir, 'record-flavor.mjs') },
    },
    modelDeployers: { svc: { flavor: 'svc-settings' }, rec: { flavor: 'record-js' } },
  });
});
afterEach(() => {
  killRunningZenml();
  temp.cleanup();
});

const zenml = (...args: string[]) => runZenml(args, { cwd: dir });
const recordsOf = (deployer: string) => path.join(dir, '.zenml', 'deployers', deployer, 'records');

describe('deploy -c with a flavor that declares service settings', () => {
  it('stores the declared keys, coerced by the schema', async () => {
    const r = await zenml('model-deployer', 'deploy', '--deployer', 'svc', '--model-uri', '/m/a.onnx', '-c', 'replicas=3', '-c', 'image=0.1', '-c', 'resources.cpu=2', '--json');
    expect(r.code).toBe(0);
    const view = parseJson(r);
    const d = parseJson(await zenml('model-deployer', 'describe', view.uuid, '--deployer', 'svc', '--json'));
    expect(d.config).toMatchObject({ replicas: 3, image: '0.1', resources: { cpu: '2' } });
  });

  it.each([
    ['a typo', ['-c', 'replica=3'], "-c replica=3: flavor 'svc-settings' has no service setting 'replica'; did you mean replicas?"],
    ['a nested typo', ['-c', 'resources.cpus=2'], "-c resources.cpus=2: flavor 'svc-settings' has no service setting 'resources.cpus'; did you mean cpu?"],
    ['an unrelated key', ['-c', 'foo=1'], "-c foo=1: flavor 'svc-settings' has no service setting 'foo' (known: replicas, image, resources)"],
    ['a bad value', ['-c', 'replicas=0'], '-c replicas=0: Too small: expected number to be >=1 (got 0)'],
  ])('%s exits 2 naming the option, and deploys nothing', async (_label, args, line) => {
    const r = await zenml('model-deployer', 'deploy', '--deployer', 'svc', '--model-uri', '/m/a.onnx', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`zenml: error: ${line}\n`);
    expect(existsSync(recordsOf('svc'))).toBe(false);
  });
});

describe('deploy -c with the built-in local flavor (it takes no service settings)', () => {
  it('refuses any key with exit 2, so it never makes an otherwise identical deploy "different"', async () => {
    const r = await zenml('model-deployer', 'deploy', '--deployer', 'default', '--model-uri', fixture('../../../examples/iris/model.onnx'), '-c', 'foo=1', '--json');
    expect(r.code).toBe(2);
    expect(parseJson(r).error).toMatchObject({ code: 'USAGE', message: "-c foo=1: flavor 'local' has no service setting 'foo' (it takes none)" });
    expect(existsSync(path.join(dir, '.zenml', 'deployers', 'default'))).toBe(false);
  });
});

describe('deploy -c with a custom flavor that declares no service settings', () => {
  it('stores any key as given (JSON scalars read as such)', async () => {
    const view = parseJson(await zenml('model-deployer', 'deploy', '--deployer', 'rec', '--model-uri', '/m/a.onnx', '-c', 'foo=1', '-c', 'bar=x', '--json'));
    const d = parseJson(await zenml('model-deployer', 'describe', view.uuid, '--deployer', 'rec', '--json'));
    expect(d.config).toMatchObject({ foo: 1, bar: 'x' });
  });
});
