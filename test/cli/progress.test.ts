// Progress on a terminal: the spinner for long waits, in a real pseudo-terminal (tmux to look at
// the screen as a user sees it, `script` to read the raw bytes), and its absence everywhere else
// (a pipe, --json, -q, CI). The `gated` test flavor's deploy waits for a file, under the same
// progress hook a flavor gets (withProgress from the public API), so the spinner stays up as long
// as a test needs.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { progressEnabled, seconds, type ProgressOptions } from '../../src/cli/progress.js';
import { isolatedEnv, killRunningZenml, relativeFixture, REPO_ROOT, runZenml, writeDotfile, ZENML_BIN } from '../helpers/cli.js';
import { shellAvailability } from '../helpers/shells.js';
import { TempDirs } from '../helpers/temp.js';
import { TmuxTerminal } from '../helpers/tmux.js';

const FRAMES = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
// Any control character but newline and tab (escape sequences start with ESC, \x1b).
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

describe('progressEnabled', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  const base: ProgressOptions = { json: false, quiet: false, color: true, stream: tty, env: { TERM: 'xterm' } };
  it.each<[string, Partial<ProgressOptions>, boolean]>([
    ['a terminal', {}, true],
    ['NO_COLOR only drops colour', { env: { TERM: 'xterm', NO_COLOR: '1' } }, true],
    ['--no-color only drops colour', { color: false }, true],
    ['a pipe', { stream: pipe }, false],
    ['--json', { json: true }, false],
    ['-q', { quiet: true }, false],
    ['CI set', { env: { TERM: 'xterm', CI: 'true' } }, false],
    ['CI set but empty', { env: { TERM: 'xterm', CI: '' } }, false],
    ['TERM=dumb', { env: { TERM: 'dumb' } }, false],
  ])('%s', (_label, change, expected) => {
    expect(progressEnabled({ ...base, ...change })).toBe(expected);
  });

  it.each([
    [400, '0.4s'],
    [12_345, '12s'],
    [125_000, '2m05s'],
  ])('elapsed %d ms reads %s', (ms, text) => expect(seconds(ms)).toBe(text));
});

const temp = new TempDirs();
let dir: string;
let gate: string;
const terminals: TmuxTerminal[] = [];

beforeEach(() => {
  dir = temp.dir('zenml-progress-');
  gate = path.join(dir, 'gate');
  writeDotfile(dir, {
    version: 1,
    flavors: { gated: { source: relativeFixture(dir, 'gated-flavor.mjs') } },
    modelDeployers: { g: { flavor: 'gated', settings: { gate } } },
    stacks: { main: { modelDeployer: 'g' } },
    activeStack: 'main',
  });
});
afterEach(() => {
  for (const t of terminals.splice(0)) t.kill();
  killRunningZenml();
  temp.cleanup();
});

/** A terminal's environment: colour allowed, no CI (unless `extra` says otherwise). */
function terminalEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...isolatedEnv(dir), TERM: 'xterm-256color', ...extra };
  for (const key of ['CI', 'NO_COLOR', 'FORCE_COLOR']) if (!(key in extra)) delete env[key];
  return env;
}

const deployLine = (...flags: string[]) =>
  [process.execPath, ZENML_BIN, 'model-deployer', 'deploy', '--model-uri', '/m/m.onnx', '--model-name', 'm', ...flags].map((a) => `'${a}'`).join(' ');

const tmux = shellAvailability('tmux');
(tmux.run ? describe : describe.skip)(`on a terminal (tmux)${tmux.reason ? ` (${tmux.reason})` : ''}`, () => {
  async function runInTerminal(gateContent: string): Promise<string> {
    const terminal = new TmuxTerminal(terminalEnv(), dir);
    terminals.push(terminal);
    terminal.start(`sh -c "${deployLine().replace(/"/g, '\\"')}; echo EXIT=\\$?; exec sleep 600"`);
    // The spinner shows the innermost wait and the elapsed time.
    const during = await terminal.waitFor('the spinner', (s) => new RegExp(`${FRAMES.source} waiting for the gate ${gate} \\(\\d`).test(s));
    expect(during).not.toContain('✔');
    writeFileSync(gate, gateContent);
    return terminal.waitFor('the command to exit', (s) => /EXIT=\d/.test(s));
  }

  it('shows a spinner while the deploy waits, then replaces it with one ✔ line', async () => {
    const screen = await runInTerminal('ok');
    expect(screen).toMatch(/EXIT=0/);
    expect(screen).toMatch(/^✔ deploying model m \(\d+(\.\d)?s\)$/m);
    expect(screen).not.toMatch(FRAMES);
    expect(screen).not.toContain('waiting for the gate');
    expect(screen).toMatch(/^uuid: +[0-9a-f-]{36}$/m);
  });

  it('a failed wait ends in one ✖ line, then the error', async () => {
    const screen = await runInTerminal('fail');
    expect(screen).toMatch(/EXIT=1/);
    expect(screen).toMatch(/^✖ deploying model m \(\d+(\.\d)?s\)\nzenml: error: the gate said fail$/m);
    expect(screen).not.toMatch(FRAMES);
  });
});

const script = shellAvailability('script');
(script.run ? describe : describe.skip)(`raw bytes on a pseudo-terminal (script)${script.reason ? ` (${script.reason})` : ''}`, () => {
  /** Run a deploy in `script`'s pseudo-terminal with the gate already open; returns everything the terminal received. */
  function onTty(flags: string[], env: Record<string, string> = {}): { code: number | null; raw: string } {
    writeFileSync(gate, 'ok');
    const file = path.join(dir, 'typescript');
    const r = spawnSync('script', ['-q', '-e', '-c', deployLine(...flags), file], { cwd: dir, env: terminalEnv(env), stdio: 'ignore', timeout: 60_000 });
    const raw = readFileSync(file, 'utf8');
    // util-linux writes a "Script started/done" line around the session: keep only what the command wrote.
    return { code: r.status, raw: raw.replace(/^Script started.*\n/, '').replace(/\nScript done.*\n?$/, '') };
  }

  it('draws the spinner (colour, hidden cursor) and ends with the ✔ line', () => {
    const { code, raw } = onTty([]);
    expect(code).toBe(0);
    expect(raw).toMatch(FRAMES);
    expect(raw).toContain('\x1b[?25l'); // cursor hidden while spinning …
    expect(raw).toContain('\x1b[?25h'); // … and shown again
    expect(raw).toMatch(/\x1b\[3\dm/); // coloured
    expect(raw).toMatch(/✔\x1b\[39m deploying model m \(/);
  });

  it.each([
    ['NO_COLOR', [], { NO_COLOR: '1' }],
    ['--no-color', ['--no-color'], {}],
  ])('%s only drops the colour', (_label, flags, env) => {
    const { code, raw } = onTty(flags, env);
    expect(code).toBe(0);
    expect(raw).toMatch(FRAMES);
    expect(raw).toContain('\x1b[?25l');
    expect(raw).not.toMatch(/\x1b\[(3\d|1|22)m/);
    expect(raw).toMatch(/\x1b\[0K✔ deploying model m \(/);
  });

  it.each([
    ['--json', ['--json'], {}],
    ['-q', ['-q'], {}],
    ['CI set', [], { CI: 'true' }],
  ])('%s: no spinner, not even on a terminal', (_label, flags, env) => {
    const { code, raw } = onTty(flags, env);
    expect(code).toBe(0);
    expect(raw).not.toMatch(FRAMES);
    expect(raw).not.toContain('\x1b[?25l');
    expect(raw).not.toContain('deploying model');
  });

  it('a `local` deploy shows the model load, then stop and delete show theirs', async () => {
    const project = temp.dir('zenml-progress-local-');
    const iris = path.join(REPO_ROOT, 'examples/iris/model.onnx');
    const onTerminal = (args: string[]) => {
      const file = path.join(project, 'typescript');
      const line = [process.execPath, ZENML_BIN, ...args].map((a) => `'${a}'`).join(' ');
      const r = spawnSync('script', ['-q', '-e', '-c', line, file], { cwd: project, env: { ...terminalEnv(), HOME: project, XDG_CONFIG_HOME: path.join(project, 'xdg') }, stdio: 'ignore', timeout: 60_000 });
      return { code: r.status, raw: readFileSync(file, 'utf8') };
    };
    try {
      const deployed = onTerminal(['model-deployer', 'deploy', '--model-uri', iris, '--model-name', 'iris', '--timeout', '60']);
      expect(deployed.code).toBe(0);
      expect(deployed.raw).toMatch(new RegExp(`${FRAMES.source}(\\x1b\\[39m)? loading model iris \\(server [0-9a-f]{8}, port \\d+\\)`));
      expect(deployed.raw).toContain('✔\x1b[39m deploying model iris (');
      const uuid = /uuid:\s*(?:\x1b\[22m)?\s*([0-9a-f-]{36})/.exec(deployed.raw)?.[1];
      expect(uuid).toBeDefined();
      const stopped = onTerminal(['model-deployer', 'stop', uuid!, '--timeout', '30', '--yes']);
      expect(stopped.raw).toContain(`✔\x1b[39m stopping model server ${uuid} (`);
      const deleted = onTerminal(['model-deployer', 'delete', uuid!, '--yes']);
      expect(deleted.raw).toContain(`deleted model server ${uuid}`);
    } finally {
      // Whatever happened above, no model server outlives the test.
      const found = await runZenml(['model-deployer', 'find', '-q'], { cwd: project });
      for (const uuid of found.stdout.split('\n').filter(Boolean)) await runZenml(['model-deployer', 'delete', uuid, '--yes', '-q'], { cwd: project });
    }
  });

  it('--json on a terminal prints nothing but the JSON', () => {
    const { raw } = onTty(['--json']);
    expect(raw).not.toMatch(/\x1b/);
    expect(JSON.parse(raw.replace(/\r\n/g, '\n')).modelName).toBe('m');
  });
});

describe('piped', () => {
  it('the same deploy prints no spinner and no control character', async () => {
    writeFileSync(gate, 'ok');
    const r = await runZenml(['model-deployer', 'deploy', '--model-uri', '/m/m.onnx', '--model-name', 'm'], {
      cwd: dir,
      env: { CI: undefined, NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm-256color' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^uuid: /m);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(CONTROL);
    expect(r.stderr).not.toMatch(FRAMES);
    expect(r.stderr).not.toContain('deploying model');
  });
});
