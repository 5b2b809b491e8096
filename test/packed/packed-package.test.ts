// The package as users install it: `npm pack`, installed into an empty project (and globally into a
// temp prefix) with ONNXRUNTIME_NODE_INSTALL=skip. Catches a file missing from `files`, a
// devDependency used at run time, or a step that only works inside the repository.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, type RunResult } from '../helpers/cli.js';
import { installPacked, npmEnv, packedTarball, runCommand, runOk } from '../helpers/packed-package.js';
import { TempDirs } from '../helpers/temp.js';

const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const INSTALL_TIMEOUT = 600_000;

const temp = new TempDirs();
let home: string;
let project: string;
let env: NodeJS.ProcessEnv;
/** Servers started here, stopped in afterAll whatever happened: [zenml command, uuid, pid]. */
const started: Array<{ zenml: string[]; cwd: string; uuid: string; pid: number }> = [];

beforeAll(async () => {
  home = temp.dir('zenml-packed-home-');
  project = path.join(home, 'project');
  mkdirSync(project);
  env = npmEnv(home);
  await installPacked(project, await packedTarball(), home);
}, INSTALL_TIMEOUT);

afterAll(async () => {
  for (const s of started.splice(0)) {
    const [command, ...args] = s.zenml;
    await runCommand(command, [...args, 'model-deployer', 'delete', s.uuid, '--yes', '-q', '--timeout', '10'], { cwd: s.cwd, env, timeoutMs: 30_000 }).catch(() => undefined);
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {
      // stopped by the delete above
    }
  }
  temp.cleanup();
}, 120_000);

const npx = (...args: string[]) => runOk('npx', ['--no-install', 'zenml', ...args], { cwd: project, env, timeoutMs: 120_000 });

/** Deploy the iris model through `zenml` and return the service view (the server is stopped in afterAll). */
async function deployIris(zenml: string[], cwd: string, modelUri: string): Promise<{ uuid: string; predictionUrl: string }> {
  const [command, ...args] = zenml;
  const r = await runOk(command, [...args, 'model-deployer', 'deploy', '--model-uri', modelUri, '--model-name', 'iris', '--timeout', '60', '--json'], { cwd, env, timeoutMs: 120_000 });
  const view = JSON.parse(r.stdout) as { uuid: string; state: string; predictionUrl: string; info: Record<string, string> };
  started.push({ zenml, cwd, uuid: view.uuid, pid: Number(view.info.DAEMON_PID) });
  expect(view.state).toBe('active');
  return view;
}

/** One setosa flower through the MLflow scoring protocol. */
async function predictSetosa(predictionUrl: string): Promise<unknown> {
  const response = await fetch(predictionUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [[5.1, 3.5, 1.4, 0.2]] }),
    signal: AbortSignal.timeout(30_000),
  });
  expect(response.status).toBe(200);
  return response.json();
}

const showing = (r: RunResult) => ({ code: r.code, stderr: r.stderr });

describe('installed into an empty project', () => {
  it('npx zenml --version prints the package version', async () => {
    const r = await npx('--version');
    expect(r.stdout.trim()).toBe(VERSION);
  });

  it('npx zenml model-deployer flavor list lists the built-in flavors', async () => {
    const r = await npx('model-deployer', 'flavor', 'list', '-q');
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(expect.arrayContaining(['local', 'mlflow']));
  });

  it('deploys the example model shipped in the package and answers a prediction', async () => {
    await npx('init');
    const model = path.join(project, 'node_modules/zenml-model-deployer/examples/iris/model.onnx');
    const view = await deployIris(['npx', '--no-install', 'zenml'], project, model);
    const body = (await predictSetosa(view.predictionUrl)) as { predictions: { label: number[] } };
    expect(body.predictions.label).toEqual([0]);
  });

  it('a custom .ts flavor that imports zenml-model-deployer from the project’s node_modules registers and deploys', async () => {
    mkdirSync(path.join(project, 'flavors'), { recursive: true });
    writeFileSync(path.join(project, 'flavors/file-flavor.ts'), FILE_FLAVOR);
    const registered = await npx('model-deployer', 'flavor', 'register', './flavors/file-flavor.ts', '--json');
    expect(JSON.parse(registered.stdout)).toMatchObject({ name: 'file', source: './flavors/file-flavor.ts' });
    await npx('model-deployer', 'register', 'files', '--flavor', 'file', '--base-url', 'http://127.0.0.1:7000');
    const deployed = await npx('model-deployer', 'deploy', '--deployer', 'files', '--model-uri', 's3://bucket/model', '--model-name', 'demo', '--json');
    expect(JSON.parse(deployed.stdout)).toMatchObject({ modelName: 'demo', state: 'active', predictionUrl: 'http://127.0.0.1:7000/invocations' });
    const found = await npx('model-deployer', 'find', '--deployer', 'files', '-q');
    expect(found.stdout.trim()).toBe(JSON.parse(deployed.stdout).uuid);
  });
});

describe('npm install -g (into a temp prefix)', () => {
  let prefix: string;
  let zenml: string;
  beforeAll(async () => {
    prefix = path.join(home, 'global');
    await runOk('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', await packedTarball()], { cwd: home, env, timeoutMs: INSTALL_TIMEOUT });
    zenml = path.join(prefix, 'bin', 'zenml');
  }, INSTALL_TIMEOUT);

  it('puts a working zenml on the prefix’s bin', async () => {
    const version = await runCommand(zenml, ['--version'], { cwd: home, env });
    expect(showing(version)).toEqual({ code: 0, stderr: '' });
    expect(version.stdout.trim()).toBe(VERSION);
    const flavors = await runOk(zenml, ['model-deployer', 'flavor', 'list', '-q'], { cwd: home, env });
    expect(flavors.stdout.split('\n').filter(Boolean)).toEqual(expect.arrayContaining(['local', 'mlflow']));
  });

  it('deploys and predicts with no project (user-level config, state under ~/.local/state/zenml)', async () => {
    const model = path.join(prefix, 'lib/node_modules/zenml-model-deployer/examples/iris/model.onnx');
    const view = await deployIris([zenml], home, model);
    const body = (await predictSetosa(view.predictionUrl)) as { predictions: { label: number[] } };
    expect(body.predictions.label).toEqual([0]);
    expect(readFileSync(path.join(home, '.local/state/zenml/deployers/default/services', view.uuid, 'service.json'), 'utf8')).toContain(view.uuid);
  });
});

/** The README's example flavor, as a user would write it in their own project. */
const FILE_FLAVOR = `import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BaseModelDeployer, BaseService, ServiceState, serviceFromJSON, z, type ServiceConfig } from 'zenml-model-deployer';

const Settings = z.object({ baseUrl: z.string().default('http://127.0.0.1:9999') });

export default class FileModelDeployer extends BaseModelDeployer<z.infer<typeof Settings>> {
  static override readonly FLAVOR = 'file';
  static override readonly DESCRIPTION = 'services as JSON records';
  static override readonly configSchema = Settings;

  private dir() { return path.join(this.context.stateDir, 'records'); }
  private async save(service: BaseService) {
    await mkdir(this.dir(), { recursive: true });
    await writeFile(path.join(this.dir(), \`\${service.uuid}.json\`), JSON.stringify(service.toJSON()));
    return service;
  }
  protected async performDeployModel(uuid: string, config: ServiceConfig) {
    const service = new BaseService({ uuid, config, flavor: FileModelDeployer.FLAVOR });
    service.endpoint = { predictionUrl: \`\${this.settings.baseUrl}/invocations\`, healthCheckUrl: \`\${this.settings.baseUrl}/ping\` };
    service.setState(ServiceState.ACTIVE);
    return this.save(service);
  }
  protected async performStopModel(service: BaseService) { service.setState(ServiceState.INACTIVE); return this.save(service); }
  protected async performStartModel(service: BaseService) { service.setState(ServiceState.ACTIVE); return this.save(service); }
  protected async performDeleteModel(service: BaseService) { await rm(path.join(this.dir(), \`\${service.uuid}.json\`), { force: true }); }
  async listModelServers() {
    const files = await readdir(this.dir()).catch(() => [] as string[]);
    return Promise.all(files.map(async (f) => serviceFromJSON(JSON.parse(await readFile(path.join(this.dir(), f), 'utf8')))));
  }
  getModelServerInfo(service: BaseService) {
    return { PREDICTION_URL: service.endpoint?.predictionUrl ?? '', HEALTH_CHECK_URL: service.endpoint?.healthCheckUrl ?? '' };
  }
  async *getModelServerLogs(uuid: string) { yield \`no logs for \${uuid}\`; }
}
`;
