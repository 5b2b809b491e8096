// Layer 3: no ANSI escape codes when stdout is not a TTY (tests always pipe it), unless forced.
import { killRunningZenml, recordProject, runZenml, writeDotfile } from '../helpers/cli.js';
import { TempDirs } from '../helpers/temp.js';

const ANSI = /\u001b\[/;
const temp = new TempDirs();
let dir: string;

beforeEach(async () => {
  dir = temp.dir('zenml-color-');
  recordProject(dir, { j: { flavor: 'record-js' } }, 'j');
  // One stopped and one running server, so `find` has states to colour.
  const first = await runZenml(['model-deployer', 'deploy', '--model-uri', '/m/a.onnx', '-q'], { cwd: dir });
  await runZenml(['model-deployer', 'deploy', '--model-uri', '/m/b.onnx', '-q'], { cwd: dir });
  await runZenml(['model-deployer', 'stop', first.stdout.trim()], { cwd: dir });
});
afterEach(() => {
  killRunningZenml();
  temp.cleanup();
});

const COMMANDS = [
  ['model-deployer', 'list'],
  ['model-deployer', 'find'],
  ['model-deployer', 'describe', 'j'],
  ['stack', 'describe'],
  ['model-deployer', 'flavor', 'list'],
  ['model-deployer', 'stop', 'ffffffff'], // an error on stderr
];

/** Unset both colour variables: only the TTY check decides. */
const noColorVars = { NO_COLOR: undefined, FORCE_COLOR: undefined };

describe('colour', () => {
  it.each(COMMANDS)('none in piped output without NO_COLOR/FORCE_COLOR: %s %s', async (...args) => {
    const r = await runZenml(args, { cwd: dir, env: noColorVars });
    expect(r.stdout + r.stderr).not.toBe('');
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stderr).not.toMatch(ANSI);
  });

  it('warnings on stderr are not coloured either', async () => {
    writeDotfile(dir, { version: 1, unknownKey: true });
    const r = await runZenml(['stack', 'list'], { cwd: dir, env: noColorVars });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning:');
    expect(r.stderr).not.toMatch(ANSI);
  });

  it('control: FORCE_COLOR=1 does colour the table (so the checks above can fail)', async () => {
    const r = await runZenml(['model-deployer', 'find'], { cwd: dir, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(ANSI);
  });

  it.each<[string, string[], Record<string, string | undefined>]>([
    ['--no-color', ['--no-color'], { NO_COLOR: undefined, FORCE_COLOR: '1' }],
    ['NO_COLOR', [], { NO_COLOR: '1', FORCE_COLOR: '1' }],
    ['FORCE_COLOR=0', [], { NO_COLOR: undefined, FORCE_COLOR: '0' }],
  ])('%s wins over FORCE_COLOR', async (_label, flags, env) => {
    const r = await runZenml([...flags, 'model-deployer', 'find'], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('inactive');
    expect(r.stdout).not.toMatch(ANSI);
  });
});
