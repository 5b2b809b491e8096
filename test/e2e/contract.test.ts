// The CLI's contract for scripts, checked through the built binary: for every command and each output
// mode (human, --json, -q) its stdout, stderr and exit code; for every documented error class its exit
// code and its one `zenml: error:` line (or `{"error": …}` with --json). Model-server commands run
// against the real `local` flavor: real servers on 127.0.0.1 serving examples/iris/model.onnx.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, fixture, killRunningZenml, lines, parseJson, runZenml, writeDotfile, type RunResult } from '../helpers/cli.js';
import { IRIS_V1, killServers } from '../helpers/local-servers.js';
import { TempDirs } from '../helpers/temp.js';

type Mode = 'human' | 'json' | 'quiet';
const MODES: Mode[] = ['human', 'json', 'quiet'];
const MODE_FLAGS: Record<Mode, string[]> = { human: [], json: ['--json'], quiet: ['-q'] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const temps = new TempDirs();
/** The project the model-server rows share; `main` is a running iris server in it. */
let shared: string;
let main: { uuid: string; predictionUrl: string };

function run(cwd: string, args: string[], env?: Record<string, string | undefined>): Promise<RunResult> {
  return runZenml(args, { cwd, env, timeoutMs: 40_000 }); // below jest's 60 s: a hung run fails with its output, not a jest timeout
}

async function ok(cwd: string, args: string[]): Promise<RunResult> {
  const r = await run(cwd, args);
  if (r.code !== 0) throw new Error(`zenml ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Deploy iris in `cwd` under a model name of its own; its uuid. */
async function deployIris(cwd: string, modelName: string, ...extra: string[]): Promise<string> {
  const r = await ok(cwd, ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--model-name', modelName, '--timeout', '60', '-q', ...extra]);
  return r.stdout.trim();
}

/** A fresh project with its own dotfile (components, stacks and flavors rows each get one). */
function freshProject(): string {
  const dir = temps.dir('zenml-contract-');
  writeDotfile(dir, { version: 1 });
  return dir;
}

beforeAll(async () => {
  shared = temps.dir('zenml-contract-shared-');
  writeDotfile(shared, { version: 1 });
  const r = await ok(shared, ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--model-name', 'iris-main', '--timeout', '60', '--json']);
  main = parseJson(r);
  expect(main.uuid).toMatch(UUID);
});

afterAll(() => {
  killRunningZenml();
  for (const dir of temps.list()) killServers(dir);
  temps.cleanup();
});

/** One command of the table: how to set it up, run it, and what each mode must print. */
interface Row {
  name: string;
  /** Prepares what the command needs; returns the project dir and named values for the checks. */
  setup: (mode: Mode) => Promise<{ cwd: string; v: Record<string, string> }>;
  args: (v: Record<string, string>) => string[];
  /** stdout of -q, one id a line (for `logs`, the lines themselves). */
  quiet: (v: Record<string, string>, human: string) => string[];
  /** Must match the human stdout. */
  human: (v: Record<string, string>) => RegExp;
  /** Checks the parsed --json stdout. */
  json: (v: Record<string, string>, value: any) => void;
}

const inShared = async () => ({ cwd: shared, v: { uuid: main.uuid } });
const withComponent = async (mode: Mode) => {
  const cwd = freshProject();
  await ok(cwd, ['model-deployer', 'register', `c-${mode}`, '--flavor', 'local']);
  return { cwd, v: { name: `c-${mode}` } };
};
const withStack = async (mode: Mode) => {
  const cwd = freshProject();
  await ok(cwd, ['stack', 'register', `s-${mode}`, '-d', 'default']);
  return { cwd, v: { name: `s-${mode}` } };
};
const withServer = (stopped: boolean) => async (mode: Mode) => {
  const uuid = await deployIris(shared, `row-${stopped ? 'stopped' : 'running'}-${mode}-${Date.now()}`);
  if (stopped) await ok(shared, ['model-deployer', 'stop', uuid, '--timeout', '30']);
  return { cwd: shared, v: { uuid } };
};

const ROWS: Row[] = [
  {
    name: 'init',
    setup: async (mode) => {
      const cwd = path.join(temps.dir('zenml-contract-init-'), mode);
      mkdirSync(cwd);
      return { cwd, v: { path: path.join(cwd, '.zenmlrc.json') } };
    },
    args: () => ['init'],
    quiet: (v) => [v.path],
    human: (v) => new RegExp(`^created ${v.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n$`),
    json: (v, j) => expect(j).toEqual({ path: v.path, created: true }),
  },
  {
    name: 'model-deployer register',
    setup: async (mode) => ({ cwd: freshProject(), v: { name: `c-${mode}` } }),
    args: (v) => ['model-deployer', 'register', v.name, '--flavor', 'local', '--workers', '2'],
    quiet: (v) => [v.name],
    human: (v) => new RegExp(`^registered model deployer '${v.name}' \\(flavor 'local'\\)\\n$`),
    json: (v, j) => expect(j).toMatchObject({ name: v.name, flavor: 'local', settings: { workers: 2 } }),
  },
  {
    name: 'model-deployer list',
    setup: withComponent,
    args: () => ['model-deployer', 'list'],
    // Sorted by name.
    quiet: (v) => [v.name, 'default'],
    human: (v) => new RegExp(`^ACTIVE\\s+NAME\\s+FLAVOR\\s+STACKS\\s+SETTINGS\\n\\s+${v.name}\\s+local\\n\\*\\s+default\\s+local\\s+default\\n$`),
    json: (v, j) => expect(j.map((c: any) => c.name)).toEqual([v.name, 'default']),
  },
  {
    name: 'model-deployer update',
    setup: withComponent,
    args: (v) => ['model-deployer', 'update', v.name, '--workers', '3'],
    quiet: (v) => [v.name],
    human: (v) => new RegExp(`^updated model deployer '${v.name}'\\n$`),
    json: (v, j) => expect(j).toMatchObject({ name: v.name, settings: { workers: 3 } }),
  },
  {
    name: 'model-deployer describe <component>',
    setup: withComponent,
    args: (v) => ['model-deployer', 'describe', v.name],
    quiet: (v) => [v.name],
    human: (v) => new RegExp(`^model deployer:\\s+${v.name}\\nflavor:\\s+local\\n[\\s\\S]*^settings:\\s+\\(none\\)$`, 'm'),
    json: (v, j) => expect(j).toEqual({ name: v.name, flavor: 'local', settings: {}, stacks: [], active: false }),
  },
  {
    name: 'model-deployer delete <component>',
    setup: withComponent,
    args: (v) => ['model-deployer', 'delete', v.name],
    quiet: (v) => [v.name],
    human: (v) => new RegExp(`^deleted model deployer '${v.name}'\\n$`),
    json: (v, j) => expect(j).toEqual({ name: v.name, deleted: true, deletedServers: [], orphaned: false }),
  },
  {
    name: 'stack register',
    setup: async (mode) => ({ cwd: freshProject(), v: { name: `s-${mode}` } }),
    args: (v) => ['stack', 'register', v.name, '-d', 'default', '--set'],
    quiet: (v) => [v.name],
    human: (v) => new RegExp(`^registered stack '${v.name}' \\(model deployer 'default'\\), now active\\n$`),
    json: (v, j) => expect(j).toEqual({ name: v.name, modelDeployer: 'default', active: true }),
  },
  {
    name: 'stack list',
    setup: withStack,
    args: () => ['stack', 'list'],
    quiet: (v) => ['default', v.name],
    human: (v) => new RegExp(`^ACTIVE\\s+STACK\\s+MODEL DEPLOYER\\n\\*\\s+default\\s+default\\n\\s+${v.name}\\s+default\\n$`),
    json: (v, j) => expect(j.map((s: any) => s.name)).toEqual(['default', v.name]),
  },
  {
    name: 'stack set',
    setup: withStack,
    args: (v) => ['stack', 'set', v.name],
    quiet: (v) => [v.name],
    human: (v) => new RegExp(`^active stack: ${v.name}\\n$`),
    json: (v, j) => expect(j).toEqual({ name: v.name, modelDeployer: 'default', active: true }),
  },
  {
    name: 'stack describe',
    setup: withStack,
    args: (v) => ['stack', 'describe', v.name],
    quiet: (v) => [v.name],
    human: (v) => new RegExp(`^stack:\\s+${v.name}\\nactive:\\s+false\\nmodel deployer:\\s+default\\n$`),
    json: (v, j) => expect(j).toEqual({ name: v.name, modelDeployer: 'default', active: false }),
  },
  {
    name: 'stack update',
    setup: withStack,
    args: (v) => ['stack', 'update', v.name, '-d', 'default'],
    quiet: (v) => [v.name],
    human: (v) => new RegExp(`^stack '${v.name}' now uses model deployer 'default'\\n$`),
    json: (v, j) => expect(j).toEqual({ name: v.name, modelDeployer: 'default', active: false }),
  },
  {
    name: 'stack delete',
    setup: withStack,
    args: (v) => ['stack', 'delete', v.name],
    quiet: (v) => [v.name],
    human: (v) => new RegExp(`^deleted stack '${v.name}'\\n$`),
    json: (v, j) => expect(j).toEqual({ name: v.name, deleted: true }),
  },
  {
    name: 'flavor list',
    setup: async () => ({ cwd: freshProject(), v: {} }),
    args: () => ['model-deployer', 'flavor', 'list'],
    quiet: () => ['local', 'mlflow', 'seldon', 'kserve'],
    human: () => /^FLAVOR\s+TYPE\s+INTEGRATION\s+SOURCE\s+DESCRIPTION\nlocal\s+model_deployer\s+built-in\s+built-in\s+ONNX models[^\n]*\n(\s+[^\n]*\n)*mlflow\s+model_deployer\s+mlflow/,
    json: (_v, j) => expect(j.map((f: any) => f.name)).toEqual(['local', 'mlflow', 'seldon', 'kserve']),
  },
  {
    name: 'flavor describe',
    setup: async () => ({ cwd: freshProject(), v: {} }),
    args: () => ['model-deployer', 'flavor', 'describe', 'local'],
    quiet: () => ['local'],
    human: () => /^flavor:\s+local\n[\s\S]*\bworkers\b/m,
    json: (_v, j) => expect(j).toMatchObject({ name: 'local', fields: expect.arrayContaining([expect.objectContaining({ key: 'workers' })]) }),
  },
  {
    name: 'flavor register',
    setup: async () => ({ cwd: freshProject(), v: { source: fixture('record-flavor.mjs') } }),
    args: (v) => ['model-deployer', 'flavor', 'register', v.source, '--allow-outside'],
    quiet: () => ['record-js'],
    human: () => /^registered flavor 'record-js' from \S+record-flavor\.mjs\n$/,
    json: (_v, j) => expect(j).toMatchObject({ name: 'record-js' }),
  },
  {
    name: 'flavor delete',
    setup: async () => {
      const cwd = freshProject();
      await ok(cwd, ['model-deployer', 'flavor', 'register', fixture('record-flavor.mjs'), '--allow-outside']);
      return { cwd, v: {} };
    },
    args: () => ['model-deployer', 'flavor', 'delete', 'record-js'],
    quiet: () => ['record-js'],
    human: () => /^deleted flavor 'record-js'\n$/,
    json: (_v, j) => expect(j).toEqual({ name: 'record-js', deleted: true }),
  },
  // ---- model servers, real `local` flavor --------------------------------------------------
  {
    name: 'deploy',
    setup: async (mode) => ({ cwd: shared, v: { model: `row-deploy-${mode}` } }),
    args: (v) => ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--model-name', v.model, '--timeout', '60'],
    quiet: () => [expect.stringMatching(UUID) as unknown as string],
    human: (v) => new RegExp(`^uuid:\\s+[0-9a-f-]{36}\\n[\\s\\S]*^status:\\s+active$[\\s\\S]*^model name:\\s+${v.model}$[\\s\\S]*^prediction url:\\s+http://127\\.0\\.0\\.1:\\d+/invocations$`, 'm'),
    json: (v, j) => expect(j).toMatchObject({ state: 'active', flavor: 'local', modelName: v.model, modelUri: IRIS_V1 }),
  },
  {
    name: 'find',
    setup: inShared,
    args: () => ['model-deployer', 'find', '-m', 'iris-main'],
    quiet: (v) => [v.uuid],
    human: (v) => new RegExp(`^STATUS\\s+UUID\\s+MODEL\\s+PIPELINE\\s+STEP\\s+URL\\nactive\\s+${v.uuid}\\s+iris-main\\s+http://127\\.0\\.0\\.1:\\d+/invocations\\n$`),
    json: (v, j) => expect(j.map((s: any) => [s.uuid, s.state])).toEqual([[v.uuid, 'active']]),
  },
  {
    name: 'models list',
    setup: inShared,
    args: () => ['model-deployer', 'models', 'list', '-m', 'iris-main', '--running'],
    quiet: (v) => [v.uuid],
    human: (v) => new RegExp(`^STATUS[^\\n]*\\nactive\\s+${v.uuid}\\s`),
    json: (v, j) => expect(j.map((s: any) => s.uuid)).toEqual([v.uuid]),
  },
  {
    name: 'describe <uuid>',
    setup: inShared,
    args: (v) => ['model-deployer', 'describe', v.uuid.slice(0, 8)],
    quiet: (v) => [v.uuid],
    human: (v) => new RegExp(`^uuid:\\s+${v.uuid}\\nname:\\s+iris-main\\nstatus:\\s+active\\ndeployer:\\s+default \\(flavor local\\)\\nmodel name:\\s+iris-main\\nmodel version:\\s+1\\nmodel uri:\\s+\\S+model\\.onnx\\n`),
    json: (v, j) => expect(j).toMatchObject({ uuid: v.uuid, state: 'active', info: expect.objectContaining({ MODEL_VERSION: '1' }) }),
  },
  {
    name: 'models describe',
    setup: inShared,
    args: (v) => ['model-deployer', 'models', 'describe', v.uuid],
    quiet: (v) => [v.uuid],
    human: (v) => new RegExp(`^uuid:\\s+${v.uuid}\\n`),
    json: (v, j) => expect(j).toMatchObject({ uuid: v.uuid, state: 'active' }),
  },
  {
    name: 'models get-url',
    setup: inShared,
    args: (v) => ['model-deployer', 'models', 'get-url', v.uuid],
    quiet: (v) => [v.uuid],
    human: () => /^http:\/\/127\.0\.0\.1:\d+\/invocations\n$/,
    json: (v, j) => expect(j).toEqual({ uuid: v.uuid, predictionUrl: main.predictionUrl, state: 'active' }),
  },
  {
    name: 'logs --tail 3',
    setup: inShared,
    args: (v) => ['model-deployer', 'logs', v.uuid, '--tail', '3'],
    // A log has no ids: -q prints the same lines as the human form.
    quiet: (_v, human) => lines(human),
    human: () => /^(\S+ \[zenml\] [^\n]*\n){3}$/,
    json: (v, j) => {
      expect(j.uuid).toBe(v.uuid);
      expect(j.lines).toHaveLength(3);
    },
  },
  {
    name: 'stop',
    setup: withServer(false),
    args: (v) => ['model-deployer', 'stop', v.uuid, '--timeout', '30'],
    quiet: (v) => [v.uuid],
    human: (v) => new RegExp(`^stopped model server ${v.uuid}\\n$`),
    json: (v, j) => expect(j).toMatchObject({ uuid: v.uuid, state: 'inactive', predictionUrl: null }),
  },
  {
    name: 'start',
    setup: withServer(true),
    args: (v) => ['model-deployer', 'start', v.uuid, '--timeout', '60'],
    quiet: (v) => [v.uuid],
    human: (v) => new RegExp(`^started model server ${v.uuid} at http://127\\.0\\.0\\.1:\\d+/invocations\\n$`),
    json: (v, j) => expect(j).toMatchObject({ uuid: v.uuid, state: 'active' }),
  },
  {
    name: 'delete <uuid>',
    setup: withServer(false),
    args: (v) => ['model-deployer', 'delete', v.uuid],
    quiet: (v) => [v.uuid],
    human: (v) => new RegExp(`^deleted model server ${v.uuid}\\n$`),
    json: (v, j) => expect(j).toEqual({ uuid: v.uuid, deleted: true }),
  },
  {
    name: 'models delete',
    setup: withServer(true),
    args: (v) => ['model-deployer', 'models', 'delete', v.uuid, '--yes'],
    quiet: (v) => [v.uuid],
    human: (v) => new RegExp(`^deleted model server ${v.uuid}\\n$`),
    json: (v, j) => expect(j).toEqual({ uuid: v.uuid, deleted: true }),
  },
];

describe.each(MODES)('every command, %s output', (mode) => {
  it.each(ROWS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const { cwd, v } = await row.setup(mode);
    const r = await run(cwd, [...row.args(v), ...MODE_FLAGS[mode]]);
    const seen = { code: r.code, stdout: r.stdout, stderr: r.stderr };
    expect({ ...seen, code: r.code }).toMatchObject({ code: 0 });
    if (mode === 'human') {
      expect(r.stdout).toMatch(row.human(v));
    } else if (mode === 'json') {
      // Piped: one line of JSON, and nothing but JSON.
      expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
      row.json(v, parseJson(r));
    } else {
      const human = row.name.startsWith('logs') ? (await ok(cwd, row.args(v))).stdout : '';
      expect({ stdout: lines(r.stdout), stderr: r.stderr }).toEqual({ stdout: row.quiet(v, human), stderr: '' });
    }
    // Whatever a row created in the shared project is removed again (found by the uuid it printed).
    if (row.name === 'deploy') {
      const uuid = mode === 'json' ? parseJson(r).uuid : (r.stdout.match(/[0-9a-f]{8}-[0-9a-f-]{27}/)?.[0] ?? '');
      await ok(shared, ['model-deployer', 'delete', uuid, '--yes']);
    } else if (v.uuid && v.uuid !== main.uuid && !row.name.includes('delete')) {
      await ok(shared, ['model-deployer', 'delete', v.uuid, '--yes']);
    }
  });
});

/** One error the table provokes: its exit code, error code and the message's first line. */
interface ErrorRow {
  name: string;
  setup?: () => Promise<{ cwd: string; v: Record<string, string> }>;
  args: (v: Record<string, string>) => string[];
  exitCode: number;
  code: string;
  message: RegExp;
  /** The first line of the hint, when there must be one. */
  hint?: RegExp;
  /**
   * Crash and timeout errors quote the server log's last lines after the first (see serverLogQuote); the last quoted
   * line must match this.
   */
  logLines?: RegExp;
  /** Lines after the first that the message may have (one per dotfile problem); each must match. */
  problemLines?: RegExp;
  env?: Record<string, string>;
}

const corruptModel = async () => {
  const cwd = temps.dir('zenml-contract-corrupt-');
  writeDotfile(cwd, { version: 1 });
  const file = path.join(cwd, 'corrupt.onnx');
  writeFileSync(file, 'this is not an ONNX protobuf\n'.repeat(10));
  return { cwd, v: { file } };
};

const ERRORS: ErrorRow[] = [
  {
    name: 'missing required option',
    args: () => ['model-deployer', 'deploy'],
    exitCode: 2, code: 'USAGE',
    message: /^required option '--model-uri <uri>' not specified$/,
    hint: /^run 'zenml model-deployer deploy --help' for usage$/,
  },
  {
    name: 'unknown option',
    args: () => ['model-deployer', 'find', '--bogus'],
    exitCode: 2, code: 'USAGE',
    message: /^unknown option '--bogus'$/,
    hint: /^run 'zenml model-deployer find --help' for usage$/,
  },
  {
    name: 'unknown option before any command',
    args: () => ['--bogus', 'stack', 'list'],
    exitCode: 2, code: 'USAGE',
    message: /^unknown option '--bogus'$/,
    hint: /^run 'zenml --help' for usage$/,
  },
  {
    name: 'too many arguments',
    args: () => ['model-deployer', 'stop', 'a', 'b'],
    exitCode: 2, code: 'USAGE',
    message: /^too many arguments for 'stop'\. Expected 1 argument but got 2$/,
    hint: /--help/,
  },
  {
    name: 'missing argument',
    args: () => ['stack', 'set'],
    exitCode: 2, code: 'USAGE',
    message: /^missing required argument 'name'$/,
    hint: /^run 'zenml stack set --help' for usage$/,
  },
  {
    name: 'unknown command',
    args: () => ['model-deployer', 'dploy'],
    exitCode: 2, code: 'USAGE',
    message: /^unknown command 'dploy'$/,
    hint: /^did you mean deploy\?/,
  },
  {
    name: 'option value that is not a number',
    args: () => ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--timeout', 'abc'],
    exitCode: 2, code: 'USAGE',
    message: /^--timeout: expected a number of seconds \(got "abc"\)$/,
  },
  {
    name: 'invalid dotfile',
    setup: async () => {
      const cwd = temps.dir('zenml-contract-bad-');
      writeDotfile(cwd, { version: 1, modelDeployers: { x: { flavor: 42 } } });
      return { cwd, v: {} };
    },
    args: () => ['stack', 'list'],
    exitCode: 2, code: 'CONFIG',
    message: /^invalid configuration:$|\.zenmlrc\.json: modelDeployers\.x\.flavor: /,
    problemLines: /\.zenmlrc\.json: modelDeployers\.x\.flavor: .*\(got 42\)$/,
    hint: /\.zenmlrc\.json/,
  },
  {
    name: 'unknown model server uuid',
    setup: inShared,
    args: () => ['model-deployer', 'stop', '00000000-0000-4000-8000-000000000000'],
    exitCode: 3, code: 'NOT_FOUND',
    message: /^no model server with uuid 00000000-0000-4000-8000-000000000000 in deployer 'default'$/,
  },
  {
    name: 'promote or rollback with an unknown uuid, whatever the flavor: the uuid is looked up first',
    setup: inShared,
    args: () => ['model-deployer', 'promote', '00000000-0000-4000-8000-000000000000'],
    exitCode: 3, code: 'NOT_FOUND',
    message: /^no model server with uuid 00000000-0000-4000-8000-000000000000 in deployer 'default'$/,
  },
  {
    name: 'promote or rollback on a flavor without revisions',
    setup: inShared,
    args: (v) => ['model-deployer', 'rollback', v.uuid],
    exitCode: 2, code: 'NOT_SUPPORTED',
    message: /^the local flavor has no revisions to rollback: only flavors with canary rollouts \(kserve\) support `rollback`$/,
    hint: /^deploy --replace updates a model server of this flavor in place$/,
  },
  {
    name: 'mistyped component name',
    setup: inShared,
    args: () => ['model-deployer', 'describe', 'defualt'],
    exitCode: 3, code: 'NOT_FOUND',
    message: /^no model deployer component named 'defualt', and no model server with uuid defualt/,
    hint: /^components: default;/,
  },
  {
    name: 'unknown stack',
    args: () => ['stack', 'describe', 'nope'],
    exitCode: 3, code: 'NOT_FOUND',
    message: /nope/,
  },
  {
    name: 'a model server that crashes at start (corrupt .onnx)',
    setup: corruptModel,
    args: (v) => ['model-deployer', 'deploy', '--model-uri', v.file, '--timeout', '60'],
    exitCode: 1, code: 'SERVER',
    message: /^the server process \d+ exited before http:\/\/127\.0\.0\.1:\d+\/v2\/health\/ready was ready; the server log's last \d+ lines:$/,
    logLines: /\[zenml\] cannot start the model server: cannot load model '[^']+' version '[^']+' from .*\.onnx/,
  },
  {
    name: 'a deploy whose timeout passes',
    setup: async () => ({ cwd: freshProject(), v: {} }),
    args: () => ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--timeout', '0.01'],
    exitCode: 4, code: 'TIMEOUT',
    message: /^http:\/\/127\.0\.0\.1:\d+\/v2\/health\/ready was not ready within 0\.01s; the server log's last \d+ lines:$/,
    logLines: /\[zenml\] /,
  },
];

/**
 * The lines an error quotes are its server's log, as many as the message says: each is a server log line (ISO time,
 * `[zenml]`), the first is the launcher's `starting model server <uuid> on 127.0.0.1:<port>` for the port the message
 * names (a fresh server's log is shorter than the 20 lines quoted at most), and the last matches `last`.
 */
function expectServerLogQuote(firstLine: string, quoted: string[], last: RegExp): void {
  const count = Number(/the server log's last (\d+) lines:$/.exec(firstLine)?.[1]);
  const port = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(firstLine)?.[1];
  expect(quoted).toHaveLength(count);
  for (const line of quoted) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[zenml\] /);
  expect(quoted[0]).toMatch(new RegExp(`^\\S+ \\[zenml\\] starting model server [0-9a-f-]{36} on 127\\.0\\.0\\.1:${port}: `));
  expect(quoted.at(-1)).toMatch(last);
}

describe.each(MODES)('errors, %s output', (mode) => {
  it.each(ERRORS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const { cwd, v } = row.setup ? await row.setup() : { cwd: freshProject(), v: {} };
    const r = await run(cwd, [...row.args(v), ...MODE_FLAGS[mode]], row.env);
    expect(r.code).toBe(row.exitCode);
    if (mode === 'json') {
      expect(r.stderr).toBe('');
      const { error } = parseJson(r);
      expect(error).toMatchObject({ code: row.code, exitCode: row.exitCode });
      const [firstLine, ...more] = error.message.split('\n');
      expect(firstLine).toMatch(row.message);
      if (row.problemLines) for (const line of more) expect(line).toMatch(row.problemLines);
      else if (!row.logLines) expect(more).toEqual([]);
      if (row.hint) expect(error.suggestion).toMatch(row.hint);
      if (row.logLines) {
        // The log is quoted in the error itself: the failed deploy has removed the file.
        expect(error.details.logTail).toEqual(more);
        expectServerLogQuote(firstLine, more, row.logLines);
        expect(JSON.stringify(error)).not.toContain('server.log');
      }
      return;
    }
    // Human and -q alike: nothing on stdout, one `zenml: error:` line and at most one hint.
    expect(r.stdout).toBe('');
    const [first, ...rest] = r.stderr.trimEnd().split('\n');
    expect(first).toMatch(/^zenml: error: /);
    expect(first!.replace(/^zenml: error: /, '')).toMatch(row.message);
    const hints = rest.filter((l) => l.startsWith('hint: '));
    expect(hints.length).toBeLessThanOrEqual(1);
    if (row.hint) expect(hints.map((h) => h.slice(6))).toEqual([expect.stringMatching(row.hint)]);
    if (row.logLines) {
      expectServerLogQuote(first!, rest.filter((l) => !l.startsWith('hint: ')), row.logLines);
      expect(r.stderr).not.toContain('server.log');
    } else if (row.problemLines) {
      for (const line of rest.filter((l) => !l.startsWith('hint: '))) expect(line).toMatch(row.problemLines);
    } else {
      expect(rest).toEqual(hints);
    }
  });
});

describe('the active stack names a stack that does not exist', () => {
  it('describe (no argument) and find fail alike, and describe does not show `default`', async () => {
    const cwd = temps.dir('zenml-contract-stack-');
    writeDotfile(cwd, { version: 1, activeStack: 'gone' });
    const find = await run(cwd, ['model-deployer', 'find']);
    const describe = await run(cwd, ['model-deployer', 'describe']);
    expect(find.code).not.toBe(0);
    expect({ code: describe.code, stdout: describe.stdout, stderr: describe.stderr }).toEqual({ code: find.code, stdout: '', stderr: find.stderr });
    expect(describe.stderr).toContain('gone');
  });
});

describe('--verbose and -V', () => {
  it('--verbose adds the stack trace under the error line; without it there is none', async () => {
    const args = ['model-deployer', 'stop', '00000000-0000-4000-8000-000000000000'];
    const plain = await run(shared, args);
    const verbose = await run(shared, ['--verbose', ...args]);
    expect(plain.code).toBe(3);
    expect(verbose.code).toBe(3);
    expect(plain.stderr).not.toMatch(/^\s+at /m);
    expect(verbose.stderr.split('\n')[0]).toBe(plain.stderr.split('\n')[0]);
    expect(verbose.stderr).toMatch(/^NotFoundError: no model server with uuid/m);
    expect(verbose.stderr).toMatch(/^\s+at .*getModelServer/m);
  });

  it('-V and --version print the package version and exit 0', async () => {
    const { version } = JSON.parse((await import('node:fs')).readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version).not.toBe('0.0.0');
    for (const flag of ['-V', '--version']) {
      const r = await run(shared, [flag]);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});

describe('-q silences warnings and notes, not errors', () => {
  it('a dotfile warning (unknown key) reaches stderr without -q and not with it', async () => {
    const cwd = temps.dir('zenml-contract-warn-');
    writeDotfile(cwd, { version: 1, unknownKeyForTheTest: true });
    const loud = await run(cwd, ['stack', 'list']);
    expect(loud.stderr).toMatch(/warning: .*unknownKeyForTheTest/);
    const quiet = await run(cwd, ['stack', 'list', '-q']);
    expect({ code: quiet.code, stdout: quiet.stdout, stderr: quiet.stderr }).toEqual({ code: 0, stdout: 'default\n', stderr: '' });
  });

  it("a deployer's note (an identical server is already running) is silent with -q", async () => {
    const args = ['model-deployer', 'deploy', '--model-uri', IRIS_V1, '--model-name', 'iris-main', '--timeout', '60'];
    const loud = await run(shared, args);
    expect(loud.stderr).toContain(`an identical model server is already running: ${main.uuid}`);
    const quiet = await run(shared, [...args, '-q']);
    expect({ code: quiet.code, stdout: quiet.stdout, stderr: quiet.stderr }).toEqual({ code: 0, stdout: `${main.uuid}\n`, stderr: '' });
  });
});
