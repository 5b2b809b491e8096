// Layer 3: the brand check with a truly separate copy of the package. `npm pack` makes the tarball
// users install; it is unpacked into a temp project's own node_modules, so a flavor there extends
// a BaseModelDeployer class that is not the CLI's own (another file, another module instance).
// The copy's dependencies (zod, …) are links to this repo's installed ones: installing them
// from the registry would need the network, and the brand check is about our class alone.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isolatedEnv, killRunningZenml, lines, parseJson, REPO_ROOT, runZenml } from '../helpers/cli.js';
import { flavorSource } from '../helpers/flavor-project.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
let packDir: string;
let tarball: string;
let dir: string;

beforeAll(() => {
  packDir = temp.dir('zenml-pack-');
  // --ignore-scripts: dist/ is already built (npm test builds first); `prepare` would rebuild it.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  tarball = path.join(packDir, JSON.parse(out)[0].filename);
});
afterAll(() => temp.cleanup());

beforeEach(() => {
  dir = path.join(packDir, `project-${Math.random().toString(36).slice(2)}`);
  const copy = path.join(dir, 'node_modules', 'zenml-model-deployer');
  mkdirSync(copy, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', copy, '--strip-components=1'], { timeout: 60_000 });
  const pkg = JSON.parse(readFileSync(path.join(copy, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pkg.dependencies)) {
    const target = path.join(dir, 'node_modules', dep);
    mkdirSync(path.dirname(target), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'node_modules', dep), target, 'dir');
  }
  writeFileSync(path.join(dir, 'package.json'), '{"name": "user-project", "version": "1.0.0", "type": "module"}\n');
  mkdirSync(path.join(dir, 'flavors'));
  writeFileSync(path.join(dir, 'flavors', 'copy.ts'), flavorSource('ts', 'from-copy', 'CopyDeployer'));
  writeFileSync(path.join(dir, '.zenmlrc.json'), '{"version": 1}\n');
});
afterEach(() => killRunningZenml());

const zenml = (...args: string[]) => runZenml(args, { cwd: dir });

describe('a flavor built on a separately installed copy of the package', () => {
  it('really uses the copy, not the repo', () => {
    const resolved = execFileSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('zenml-model-deployer'))"], {
      cwd: path.join(dir, 'flavors'),
      encoding: 'utf8',
    }).trim();
    expect(resolved).toBe(`file://${realpathSync(path.join(dir, 'node_modules', 'zenml-model-deployer'))}/dist/index.js`);
    expect(resolved.startsWith(`file://${REPO_ROOT}/`)).toBe(false);
  });

  it('passes the brand check: registers, deploys, finds and stops through the CLI', async () => {
    const reg = await zenml('model-deployer', 'flavor', 'register', './flavors/copy.ts');
    expect({ code: reg.code, stderr: reg.stderr }).toEqual({ code: 0, stderr: '' });
    expect((await zenml('model-deployer', 'register', 'c', '--flavor', 'from-copy')).code).toBe(0);
    const deployed = await zenml('model-deployer', 'deploy', '--deployer', 'c', '--model-uri', '/m/a.onnx', '--json');
    expect(deployed.code).toBe(0);
    const { uuid } = parseJson(deployed);
    expect(lines((await zenml('model-deployer', 'find', '--deployer', 'c', '--running', '-q')).stdout)).toEqual([uuid]);
    const stopped = await zenml('model-deployer', 'stop', uuid, '--deployer', 'c', '--json');
    expect(parseJson(stopped)).toMatchObject({ uuid, state: 'inactive' });
  });
});

describe('the dashboard of the packed package', () => {
  it('serves its page from the files shipped in the tarball (dist/dashboard-web), not from the repo', async () => {
    const copyBin = path.join(dir, 'node_modules', 'zenml-model-deployer', 'bin', 'zenml.js');
    const child = spawn(process.execPath, [copyBin, '--config', path.join(dir, '.zenmlrc.json'), 'model-deployer', 'dashboard', '-q', '--no-open'], {
      cwd: dir,
      env: isolatedEnv(dir),
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          out += c;
          if (out.includes('\n')) resolve(out.trim());
        });
        child.on('exit', (code) => reject(new Error(`the dashboard exited ${code}`)));
      });
      const entry = await fetch(url, { redirect: 'manual' });
      expect(entry.status).toBe(303);
      const cookie = entry.headers.get('set-cookie')!.split(';')[0];
      const origin = new URL(url).origin;
      const html = await fetch(`${origin}/`, { headers: { cookie } });
      expect(html.status).toBe(200);
      expect(await html.text()).toContain('<script type="module" src="/app.js">');
      const js = await fetch(`${origin}/app.js`, { headers: { cookie } });
      expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect((await js.text()).length).toBeGreaterThan(10_000); // the page's code with uPlot bundled in
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
