// Where deployer state lands: beside a project dotfile; under $XDG_STATE_HOME/zenml for the
// user-level config; and in the old ~/.config/zenml/.zenml folder while that already holds state.
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { deployerStateDir, userStateDir } from '../../src/deployers/state-dir.js';
import { killRunningZenml, lines, relativeFixture, runZenml, writeDotfile, type RunResult } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
let home: string;
let work: string;
let xdgConfig: string;

beforeEach(() => {
  home = temp.dir('zenml-state-home-');
  work = path.join(home, 'work');
  mkdirSync(work);
  xdgConfig = path.join(home, 'xdg', 'zenml');
  mkdirSync(xdgConfig, { recursive: true });
});
afterEach(() => {
  killRunningZenml();
  temp.cleanup();
});

/** The user-level config with the record-js test flavor as the active deployer `j`. */
function writeUserConfig(): void {
  writeDotfile(
    xdgConfig,
    {
      version: 1,
      flavors: { 'record-js': { source: relativeFixture(xdgConfig, 'record-flavor.mjs') } },
      modelDeployers: { j: { flavor: 'record-js', settings: {} } },
      stacks: { main: { modelDeployer: 'j' } },
      activeStack: 'main',
    },
    'config.json',
  );
}

async function zenml(args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  const r = await runZenml(args, { cwd: work, home, env: { XDG_STATE_HOME: undefined, ...env } });
  if (r.code !== 0) throw new Error(`zenml ${args.join(' ')}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

const deploy = async (env?: Record<string, string | undefined>) =>
  (await zenml(['model-deployer', 'deploy', '--model-uri', '/m/iris.onnx', '-q'], env)).stdout.trim();
const records = (stateDir: string) => (existsSync(path.join(stateDir, 'records')) ? readdirSync(path.join(stateDir, 'records')) : []);

describe('deployerStateDir', () => {
  const env = { HOME: '/home/u', XDG_CONFIG_HOME: '/home/u/.config' };
  const user = { filepath: '/home/u/.config/zenml/config.json', configDir: '/home/u/.config/zenml' };

  it.each([
    ['a project dotfile keeps state beside it', { filepath: '/p/.zenmlrc.json', configDir: '/p' }, env, '/p/.zenml/deployers/d'],
    ['the user-level config: ~/.local/state/zenml', user, env, '/home/u/.local/state/zenml/deployers/d'],
    ['the user-level config with XDG_STATE_HOME', user, { ...env, XDG_STATE_HOME: '/s' }, '/s/zenml/deployers/d'],
    ['a relative XDG_STATE_HOME is ignored (XDG spec)', user, { ...env, XDG_STATE_HOME: 'rel' }, '/home/u/.local/state/zenml/deployers/d'],
  ])('%s', (_label, config, environment, expected) => {
    expect(deployerStateDir(config, 'd', environment)).toBe(expected);
  });

  it('userStateDir defaults to ~/.local/state/zenml', () => {
    expect(userStateDir({ HOME: '/h' })).toBe('/h/.local/state/zenml');
  });
});

describe('the zenml binary without a project dotfile', () => {
  it('keeps model-server state under ~/.local/state/zenml, none under ~/.config', async () => {
    writeUserConfig();
    const uuid = await deploy();
    expect(records(path.join(home, '.local/state/zenml/deployers/j'))).toEqual([`${uuid}.json`]);
    expect(existsSync(path.join(xdgConfig, '.zenml'))).toBe(false);
    expect(lines((await zenml(['model-deployer', 'find', '-q'])).stdout)).toEqual([uuid]);
  });

  it('honours XDG_STATE_HOME', async () => {
    writeUserConfig();
    const stateHome = path.join(home, 'state');
    const uuid = await deploy({ XDG_STATE_HOME: stateHome });
    expect(records(path.join(stateHome, 'zenml/deployers/j'))).toEqual([`${uuid}.json`]);
    expect(existsSync(path.join(home, '.local'))).toBe(false);
  });

  it('keeps using state an older version left under ~/.config/zenml/.zenml (found, stopped, joined by new deploys)', async () => {
    writeUserConfig();
    const old = await deploy();
    const legacy = path.join(xdgConfig, '.zenml/deployers/j');
    mkdirSync(path.dirname(legacy), { recursive: true });
    renameSync(path.join(home, '.local/state/zenml/deployers/j'), legacy);

    expect(lines((await zenml(['model-deployer', 'find', '-q'])).stdout)).toEqual([old]);
    await zenml(['model-deployer', 'stop', old]);
    const next = await deploy();
    expect(records(legacy).sort()).toEqual([`${old}.json`, `${next}.json`].sort());
    expect(existsSync(path.join(home, '.local/state/zenml/deployers/j'))).toBe(false);
  });

  it('a project dotfile keeps its state beside it', async () => {
    writeDotfile(work, {
      version: 1,
      flavors: { 'record-js': { source: relativeFixture(work, 'record-flavor.mjs') } },
      modelDeployers: { j: { flavor: 'record-js', settings: {} } },
      stacks: { main: { modelDeployer: 'j' } },
      activeStack: 'main',
    });
    const uuid = await deploy();
    expect(records(path.join(work, '.zenml/deployers/j'))).toEqual([`${uuid}.json`]);
    expect(existsSync(path.join(home, '.local'))).toBe(false);
  });
});
