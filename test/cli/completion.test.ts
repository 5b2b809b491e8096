// Shell completion: what `complete()` offers for a partial line (layer 1, on the real program
// tree), what `zenml __complete` answers from a real dotfile and service store (layer 3), and what
// bash, fish and zsh actually complete with the script `zenml completion <shell>` prints.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { complete, type Candidate, type CompletionSources, type LineContext } from '../../src/cli/completion/complete.js';
import { buildProgram } from '../../src/cli/main.js';
import { LocalModelService, saveService, ServiceState } from '../../src/index.js';
import { killRunningZenml, relativeFixture, runZenml, writeDotfile } from '../helpers/cli.js';
import { bashComplete, fishComplete, shellAvailability, shellEnv, writeCompletionScript } from '../helpers/shells.js';
import { TempDirs } from '../helpers/temp.js';
import { TmuxTerminal } from '../helpers/tmux.js';

/** Fixed names instead of a dotfile, recording what each lookup was asked (the real sources are tested through the binary below). */
function fixedSources(asked: Array<[string, LineContext]> = []): CompletionSources {
  const answer = (kind: string, list: Candidate[]) => async (line: LineContext) => {
    asked.push([kind, line]);
    return list;
  };
  return {
    flavors: answer('flavors', [{ value: 'local' }, { value: 'mlflow' }, { value: 'record-js' }]),
    deployers: answer('deployers', [{ value: 'default' }, { value: 'fast' }]),
    stacks: answer('stacks', [{ value: 'default' }, { value: 'prod' }]),
    services: answer('services', [
      { value: 'ab12-0000', description: 'iris' },
      { value: 'cd34-0000', description: 'wine' },
    ]),
  };
}

const values = async (words: string[], program = buildProgram()) => {
  const answer = await complete(program, words, fixedSources());
  return { values: answer.candidates.map((c) => c.value), files: answer.files };
};

describe('complete() on the program tree', () => {
  it.each<[string, string[], string[]]>([
    ['top-level commands', [''], ['init', 'model-deployer', 'stack', 'completion']],
    ['a subcommand prefix', ['model-deployer', 'fl'], ['flavor']],
    ['nested subcommands', ['model-deployer', 'models', 'g'], ['get-url']],
    ['--flavor values', ['model-deployer', 'register', 'x', '--flavor', ''], ['local', 'mlflow', 'record-js']],
    ['-f values, filtered', ['model-deployer', 'register', 'x', '-f', 'ml'], ['mlflow']],
    ['--deployer values', ['model-deployer', 'deploy', '--deployer', ''], ['default', 'fast']],
    ['--deployer=… values', ['model-deployer', 'deploy', '--deployer=f'], ['--deployer=fast']],
    ['stack -d values', ['stack', 'register', 's', '-d', ''], ['default', 'fast']],
    ['stack set', ['stack', 'set', ''], ['default', 'prod']],
    ['stack describe', ['stack', 'describe', 'p'], ['prod']],
    ['stack delete', ['stack', 'delete', ''], ['default', 'prod']],
    ['stack register names a new stack', ['stack', 'register', ''], []],
    ['describe: deployers and uuids', ['model-deployer', 'describe', ''], ['default', 'fast', 'ab12-0000', 'cd34-0000']],
    ['delete: deployers and uuids', ['model-deployer', 'delete', ''], ['default', 'fast', 'ab12-0000', 'cd34-0000']],
    ['update: deployers', ['model-deployer', 'update', ''], ['default', 'fast']],
    ['stop: uuids by prefix', ['model-deployer', 'stop', 'ab'], ['ab12-0000']],
    ['start', ['model-deployer', 'start', ''], ['ab12-0000', 'cd34-0000']],
    ['logs', ['model-deployer', 'logs', 'c'], ['cd34-0000']],
    ['models describe', ['model-deployer', 'models', 'describe', ''], ['ab12-0000', 'cd34-0000']],
    ['find --uuid', ['model-deployer', 'find', '--uuid', ''], ['ab12-0000', 'cd34-0000']],
    ['nothing after the one argument', ['model-deployer', 'stop', 'ab12-0000', ''], []],
    ['after an option value, the argument again', ['model-deployer', 'stop', '-t', '5', ''], ['ab12-0000', 'cd34-0000']],
    ['flavor describe', ['model-deployer', 'flavor', 'describe', 'r'], ['record-js']],
    ['an option prefix', ['model-deployer', 'deploy', '--rep'], ['--replace']],
    ['completion shells', ['completion', ''], ['bash', 'zsh', 'fish']],
    ['no value for a free-text option', ['model-deployer', 'deploy', '--model-name', ''], []],
  ])('%s', async (_label, words, expected) => {
    expect((await values(words)).values).toEqual(expected);
  });

  it('options of a command include the global ones, but not --version below the root', async () => {
    const { values: options } = await values(['model-deployer', 'stop', '--']);
    expect(options).toEqual(expect.arrayContaining(['--timeout', '--yes', '--deployer', '--config', '--json', '--quiet', '--no-color', '--help']));
    expect(options).not.toContain('--version');
    expect((await values(['--'])).values).toContain('--version');
  });

  it.each([
    ['--model-uri', ['model-deployer', 'deploy', '--model-uri', 'ex']],
    ['--config', ['--config', '']],
    ['flavor register <source-path>', ['model-deployer', 'flavor', 'register', './fl']],
  ])('%s completes file names', async (_label, words) => {
    expect(await values(words)).toEqual({ values: [], files: true });
  });

  it('passes --config and --deployer from the line to the lookups', async () => {
    const asked: Array<[string, LineContext]> = [];
    await complete(buildProgram(), ['--config', 'other.json', 'model-deployer', 'stop', '--deployer', 'fast', ''], fixedSources(asked));
    expect(asked).toEqual([['services', { config: 'other.json', deployer: 'fast' }]]);
  });

  it('a command added to the tree completes with no change to completion (e.g. `predict <uuid>`)', async () => {
    const program = buildProgram();
    const md = program.commands.find((c) => c.name() === 'model-deployer')!;
    expect(md.commands.some((c) => c.name() === 'predict')).toBe(true);
    md.addCommand(new Command('score-later').argument('<file>').option('--dry-run', 'only check'));
    expect((await values(['model-deployer', 'score-'], program)).values).toEqual(['score-later']);
    expect((await values(['model-deployer', 'score-later', '--d'], program)).values).toEqual(['--dry-run']);
  });

  it('`promote` and `rollback` complete, offer no uuid of a flavor without revisions, then their options', async () => {
    expect((await values(['model-deployer', 'pro'])).values).toEqual(['promote']);
    expect((await values(['model-deployer', 'roll'])).values).toEqual(['rollback']);
    expect((await values(['model-deployer', 'promote', ''])).values).toEqual([]);
    expect((await values(['model-deployer', 'rollback', ''])).values).toEqual([]);
    expect((await values(['model-deployer', 'stop', ''])).values).toEqual(['ab12-0000', 'cd34-0000']);
    expect((await values(['model-deployer', 'rollback', 'ab12-0000', '--ti'])).values).toEqual(['--timeout']);
  });

  it('`predict` completes uuids, then its options', async () => {
    expect((await values(['model-deployer', 'pred'])).values).toEqual(['predict']);
    expect((await values(['model-deployer', 'predict', ''])).values).toEqual(['ab12-0000', 'cd34-0000']);
    expect((await values(['model-deployer', 'predict', 'ab12-0000', '--da'])).values).toEqual(['--data']);
    expect((await values(['model-deployer', 'predict', 'ab12-0000', ''])).values).toEqual([]);
  });

  it('a failing lookup offers nothing instead of failing', async () => {
    const sources = { ...fixedSources(), stacks: async () => Promise.reject(new Error('broken dotfile')) };
    expect((await complete(buildProgram(), ['stack', 'set', ''], sources)).candidates).toEqual([]);
  });
});

// ---- the binary, a real dotfile and a real service store ----------------------------------------

const temp = new TempDirs();
let home: string;
let project: string;
let uuids: { iris: string; wine: string; digits: string };
const terminals: TmuxTerminal[] = [];

/** A stopped `local` service record, saved the way the local flavor saves one. */
async function seedService(stateDir: string, modelName: string): Promise<string> {
  const uuid = randomUUID();
  const servicePath = path.join(stateDir, 'services', uuid);
  const service = new LocalModelService({
    uuid,
    flavor: 'local',
    config: { name: modelName, modelName, modelUri: `/models/${modelName}.onnx` },
    status: { state: ServiceState.INACTIVE },
    extra: { host: '127.0.0.1', port: 0, instanceId: '', servicePath, logPath: path.join(servicePath, 'server.log'), serverConfigPath: path.join(servicePath, 'server-config.json'), modelPath: `/models/${modelName}.onnx` },
  });
  await saveService(stateDir, service);
  return uuid;
}

beforeAll(async () => {
  home = temp.dir('zenml-completion-');
  project = path.join(home, 'proj');
  mkdirSync(project);
  writeDotfile(project, {
    version: 1,
    flavors: { 'record-js': { source: relativeFixture(project, 'record-flavor.mjs') } },
    modelDeployers: { fast: { flavor: 'local', settings: {} }, rec: { flavor: 'record-js', settings: {} } },
    stacks: { prod: { modelDeployer: 'fast' } },
    activeStack: 'prod',
  });
  const stateDir = path.join(project, '.zenml', 'deployers', 'fast');
  const iris = await seedService(stateDir, 'iris');
  const wine = await seedService(stateDir, 'wine');
  // `find` folds these two into the index; the third is then only in its own directory.
  const found = await runZenml(['model-deployer', 'find', '-q'], { cwd: project, home });
  expect(found.stdout.trim().split('\n').sort()).toEqual([iris, wine].sort());
  const digits = await seedService(stateDir, 'digits');
  uuids = { iris, wine, digits };
});
afterEach(() => {
  for (const t of terminals.splice(0)) t.kill();
  killRunningZenml();
});
afterAll(() => temp.cleanup());

const completeWith = (words: string[]) => runZenml(['__complete', ...words], { cwd: project, home });

describe('zenml __complete', () => {
  it('offers the active deployer’s model servers by uuid, model name as the description (indexed or not)', async () => {
    const r = await completeWith(['model-deployer', 'stop', '']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.pop()).toBe(':none');
    expect(lines.sort()).toEqual([`${uuids.digits}\tdigits`, `${uuids.iris}\tiris`, `${uuids.wine}\twine`].sort());
  });

  it('a uuid prefix narrows the list', async () => {
    const r = await completeWith(['model-deployer', 'logs', uuids.wine.slice(0, 8)]);
    expect(r.stdout).toBe(`${uuids.wine}\twine\n:none\n`);
  });

  it('no uuids for a flavor that keeps its services elsewhere (its code is never loaded)', async () => {
    const r = await completeWith(['model-deployer', 'stop', '--deployer', 'rec', '']);
    expect(r.stdout).toBe(':none\n');
  });

  it('flavor, deployer and stack names from the dotfile', async () => {
    expect((await completeWith(['model-deployer', 'register', 'x', '--flavor', ''])).stdout).toMatch(/^local\t.*\nmlflow\t.*\nseldon\t.*\nkserve\t.*\nrecord-js\tcustom: .*record-flavor\.mjs\n:none\n$/);
    expect((await completeWith(['model-deployer', 'update', ''])).stdout).toBe('default\tlocal deployer\nfast\tlocal deployer\nrec\trecord-js deployer\n:none\n');
    expect((await completeWith(['stack', 'set', ''])).stdout).toBe('default\tdeployer default\nprod\tdeployer fast (active)\n:none\n');
  });

  it('--config on the line picks the dotfile the names come from', async () => {
    writeDotfile(home, { version: 1, stacks: { elsewhere: { modelDeployer: 'default' } } }, 'other.json');
    expect((await completeWith(['--config', path.join(home, 'other.json'), 'stack', 'delete', ''])).stdout).toBe('default\tdeployer default (active)\nelsewhere\tdeployer default\n:none\n');
  });

  it('a broken dotfile offers no names and prints no error', async () => {
    const broken = path.join(home, 'broken.json');
    writeFileSync(broken, '{ "stacks": ');
    const r = await completeWith(['--config', broken, 'stack', 'set', '']);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: ':none\n', stderr: '' });
  });

  it('is not listed in --help', async () => {
    const r = await runZenml(['--help'], { cwd: project, home });
    expect(r.stdout).toContain('completion');
    expect(r.stdout).not.toContain('__complete');
  });

  it('`zenml completion` rejects an unknown shell (exit 2)', async () => {
    const r = await runZenml(['completion', 'tcsh'], { cwd: project, home });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bash, zsh, fish');
  });
});

describe('bash', () => {
  let env: NodeJS.ProcessEnv;
  let script: string;
  beforeAll(() => {
    env = shellEnv(home);
    script = writeCompletionScript(home, 'bash', env);
  });
  const bash = (line: string) => bashComplete(script, line, project, env);

  it('completes commands, subcommands and options', () => {
    expect(bash('zenml mod')).toEqual(['model-deployer']);
    expect(bash('zenml model-deployer fl')).toEqual(['flavor']);
    expect(bash('zenml model-deployer deploy --model-n')).toEqual(['--model-name']);
  });

  it('completes flavor, deployer and stack names, and uuids without descriptions', () => {
    expect(bash('zenml model-deployer register x --flavor ')).toEqual(['local', 'mlflow', 'seldon', 'kserve', 'record-js']);
    expect(bash('zenml model-deployer deploy --deployer f')).toEqual(['fast']);
    expect(bash('zenml stack set ')).toEqual(['default', 'prod']);
    expect(bash('zenml model-deployer stop ').sort()).toEqual(Object.values(uuids).sort());
  });

  it('falls back to file names where a path is expected', () => {
    writeFileSync(path.join(project, 'model-a.onnx'), '');
    expect(bash('zenml model-deployer deploy --model-uri model-')).toEqual(['model-a.onnx']);
  });
});

const fish = shellAvailability('fish');
(fish.run ? describe : describe.skip)(`fish${fish.reason ? ` (${fish.reason})` : ''}`, () => {
  let env: NodeJS.ProcessEnv;
  let script: string;
  beforeAll(() => {
    env = shellEnv(home);
    script = writeCompletionScript(home, 'fish', env);
  });
  const fishLines = (line: string) => fishComplete(script, line, project, env);

  it('completes subcommands with their descriptions, and uuids with the model name', () => {
    expect(fishLines('zenml model-deployer fl')).toEqual(['flavor\tlist, register and inspect model deployer flavors']);
    expect(fishLines('zenml model-deployer stop ').sort()).toEqual([`${uuids.digits}\tdigits`, `${uuids.iris}\tiris`, `${uuids.wine}\twine`].sort());
    expect(fishLines('zenml stack set ')).toEqual(['default\tdeployer default', 'prod\tdeployer fast (active)']);
  });

  it('falls back to file names where a path is expected', () => {
    writeFileSync(path.join(project, 'model-b.onnx'), '');
    expect(fishLines('zenml model-deployer deploy --model-uri model-b').map((l) => l.split('\t')[0])).toEqual(['model-b.onnx']);
  });
});

const zsh = shellAvailability('zsh');
const tmux = shellAvailability('tmux');
(zsh.run && tmux.run ? describe : describe.skip)(`zsh, typed in tmux${zsh.reason || tmux.reason ? ` (${zsh.reason || tmux.reason})` : ''}`, () => {
  it('Tab completes a subcommand, and lists uuids with their model names', async () => {
    const env = { ...shellEnv(home), TERM: 'xterm-256color', PS1: '> ' };
    const script = writeCompletionScript(home, 'zsh', env);
    const terminal = new TmuxTerminal(env, project);
    terminals.push(terminal);
    terminal.start('zsh -f -i');
    terminal.type(`PS1='> '; autoload -U compinit && compinit -u -D && source ${script} && echo loaded`);
    terminal.press('Enter');
    await terminal.waitFor('the completion script to load', (s) => /^loaded$/m.test(s));
    terminal.type('zenml model-deployer fla');
    terminal.press('Tab');
    await terminal.waitFor('`flavor` to be completed', (s) => /^> zenml model-deployer flavor\s*$/m.test(s)); // capture-pane trims the trailing space
    terminal.press('C-u');
    terminal.type('zenml model-deployer stop ');
    terminal.press('Tab');
    const screen = await terminal.waitFor('the uuids to be listed', (s) => Object.values(uuids).every((u) => s.includes(u)));
    for (const [model, uuid] of Object.entries(uuids)) expect(screen).toMatch(new RegExp(`${uuid}\\s+-- ${model}`));
  });
});
