// Layer 1: dotfile validation (src/config/validate-config.ts). Every problem is one line
// `file: dotted.key.path: expectation (got value)`; unknown keys are warnings, never errors.
import { z } from 'zod';
import { dottedPath, formatIssues, validateDotfile } from '../../src/config/validate-config.js';
import { ConfigError, ExitCode } from '../../src/errors.js';
import { loadBuiltinSettingsSchemas } from '../../src/flavors/builtin-flavors.js';

const FILE = '/project/.zenmlrc.json';

function problemsOf(raw: unknown, settingsSchemas?: Record<string, z.ZodType>): string[] {
  try {
    validateDotfile(FILE, raw, { settingsSchemas });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const err = error as ConfigError;
    expect(err.exitCode).toBe(ExitCode.USAGE);
    expect(err.code).toBe('CONFIG');
    expect(err.suggestion).toContain(FILE);
    const problems = (err.details as { problems: string[] }).problems;
    // The message carries every problem line as well, so the CLI prints them.
    for (const line of problems) expect(err.message).toContain(line);
    expect(err.details).toMatchObject({ file: FILE });
    return problems;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be invalid`);
}

describe('validateDotfile: invalid values', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['activeStack not a string', { activeStack: 5 }, /^\/project\/\.zenmlrc\.json: activeStack: expected a string \(got 5\)$/],
    ['activeStack empty', { activeStack: '' }, /: activeStack: .*>=1 characters.*\(got ""\)$/],
    ['unsupported version', { version: 2 }, /: version: .*expected 1.*\(got 2\)$/],
    ['empty flavor', { modelDeployers: { a: { flavor: '' } } }, /: modelDeployers\.a\.flavor: .*>=1 characters.*\(got ""\)$/],
    ['missing flavor', { modelDeployers: { a: {} } }, /: modelDeployers\.a\.flavor: expected a string \(missing\)$/],
    ['settings not an object', { modelDeployers: { a: { flavor: 'local', settings: 'y' } } }, /: modelDeployers\.a\.settings: expected an object \(got "y"\)$/],
    ['stack deployer not a string', { stacks: { s: { modelDeployer: 3 } } }, /: stacks\.s\.modelDeployer: expected a string \(got 3\)$/],
    ['flavor without source', { flavors: { f: {} } }, /: flavors\.f\.source: expected a string \(missing\)$/],
    ['flavor export empty', { flavors: { f: { source: './f.ts', export: '' } } }, /: flavors\.f\.export: .*\(got ""\)$/],
    ['section not an object', { modelDeployers: [] }, /: modelDeployers: expected an object \(got an array\)$/],
    ['root is an array', [], /: \(root\): expected an object \(got an array\)$/],
    ['root is a string', 'text', /: \(root\): expected an object \(got "text"\)$/],
  ];
  it.each(cases)('%s', (_name, raw, line) => {
    const problems = problemsOf(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(line);
    expect(problems[0].startsWith(`${FILE}: `)).toBe(true);
  });

  it('an invalid component name names the key and says which names are allowed', () => {
    const [line] = problemsOf({ modelDeployers: { 'bad name!': { flavor: 'local' } } });
    expect(line).toContain(`${FILE}: modelDeployers.bad name!: `);
    expect(line).toContain('"bad name!"');
    // The rule itself, not just "invalid key": users cannot guess it otherwise.
    expect(line).toMatch(/letters, digits/);
  });

  it('reports every problem, one line each', () => {
    const problems = problemsOf({ activeStack: 1, version: 3, stacks: { s: { modelDeployer: '' } } });
    expect(problems).toHaveLength(3);
    expect(problems.map((l) => l.split(': ')[1]).sort()).toEqual(['activeStack', 'stacks.s.modelDeployer', 'version']);
  });
});

describe('validateDotfile: valid files', () => {
  it.each<[string, unknown]>([
    ['empty object', {}],
    ['undefined (empty file)', undefined],
    ['null (empty YAML)', null],
    [
      'a full file',
      {
        $schema: './schema.json',
        version: 1,
        activeStack: 'main',
        modelDeployers: { r: { flavor: 'record-ts', settings: { replicas: 3 } }, l: { flavor: 'local' } },
        stacks: { main: { modelDeployer: 'r' } },
        flavors: { 'record-ts': { source: './f.ts', export: 'RecordModelDeployer' } },
      },
    ],
  ])('%s has no warnings', (_name, raw) => {
    expect(validateDotfile(FILE, raw).warnings).toEqual([]);
  });

  it('unknown keys are warnings naming the file and key path, and are kept in the data', () => {
    const raw = {
      futureKey: 1,
      modelDeployers: { a: { flavor: 'local', colour: 'red' } },
      stacks: { s: { modelDeployer: 'a', extra: true } },
      flavors: { f: { source: './f.mjs', note: 'x' } },
    };
    const { data, warnings } = validateDotfile(FILE, raw);
    expect([...warnings].sort()).toEqual(
      [
        `${FILE}: (root): unknown key(s) futureKey`,
        `${FILE}: modelDeployers.a: unknown key(s) colour`,
        `${FILE}: stacks.s: unknown key(s) extra`,
        `${FILE}: flavors.f: unknown key(s) note`,
      ].sort(),
    );
    expect(data).toMatchObject({ futureKey: 1, modelDeployers: { a: { colour: 'red' } } });
  });

  it('an invalid value still fails when unknown keys are present too', () => {
    const problems = problemsOf({ futureKey: 1, activeStack: 2 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('activeStack');
  });
});

describe('formatIssues and dottedPath', () => {
  it.each<[PropertyKey[], string]>([
    [[], '(root)'],
    [['a'], 'a'],
    [['a', 'b', 'c'], 'a.b.c'],
    [['list', 0, 'x'], 'list.0.x'],
  ])('dottedPath(%j) = %s', (p, expected) => {
    expect(dottedPath(p)).toBe(expected);
  });

  it('prefixes the key path (used for component settings)', () => {
    const result = z.object({ replicas: z.number().min(1) }).safeParse({ replicas: 0 }, { reportInput: true });
    expect(result.success).toBe(false);
    const lines = formatIssues(FILE, result.error!.issues, ['modelDeployers', 'r', 'settings']);
    expect(lines).toEqual([expect.stringMatching(/^\/project\/\.zenmlrc\.json: modelDeployers\.r\.settings\.replicas: .*>=1.*\(got 0\)$/)]);
  });

  it('lists the accepted forms of a union', () => {
    const schema = z.object({ port: z.union([z.number(), z.literal('auto')]) });
    const result = schema.safeParse({ port: true }, { reportInput: true });
    const [line] = formatIssues(FILE, result.error!.issues);
    expect(line).toMatch(/^\/project\/\.zenmlrc\.json: port: expected one of: .*number.* \| .*"auto"/);
  });

  it('leaves out the value of objects (they would flood the line)', () => {
    const result = z.object({ a: z.string() }).safeParse({ a: { deep: { big: 1 } } }, { reportInput: true });
    const [line] = formatIssues(FILE, result.error!.issues);
    expect(line).toMatch(/: a: expected a string \(got an object\)$/);
    expect(line).not.toContain('deep');
  });
});

describe('validateDotfile: names that point nowhere', () => {
  const cases: Array<[string, unknown, string]> = [
    [
      'a stack naming a missing deployer',
      { modelDeployers: { a: { flavor: 'local' } }, stacks: { s: { modelDeployer: 'gone' } } },
      `${FILE}: stacks.s.modelDeployer: expected a model deployer of this file (one of: default, a) (got "gone")`,
    ],
    [
      'an activeStack naming a missing stack (with a did-you-mean)',
      { activeStack: 'prodd', stacks: { prod: { modelDeployer: 'default' } } },
      `${FILE}: activeStack: expected a stack of this file (one of: default, prod) (got "prodd"); did you mean prod?`,
    ],
    [
      'an unknown flavor',
      { modelDeployers: { a: { flavor: 'nope' } } },
      `${FILE}: modelDeployers.a.flavor: expected a built-in or registered flavor (one of: local, mlflow, seldon, kserve) (got "nope")`,
    ],
    [
      'a mistyped flavor',
      { modelDeployers: { a: { flavor: 'mlfow' } } },
      `${FILE}: modelDeployers.a.flavor: expected a built-in or registered flavor (one of: local, mlflow, seldon, kserve) (got "mlfow"); did you mean mlflow?`,
    ],
  ];
  it.each(cases)('%s', (_name, raw, line) => {
    expect(problemsOf(raw)).toEqual([line]);
  });

  it('the built-in default stack and deployer, and registered flavors, are valid targets', () => {
    const raw = {
      activeStack: 'default',
      stacks: { s: { modelDeployer: 'default' } },
      modelDeployers: { c: { flavor: 'mine' } },
      flavors: { mine: { source: './mine.ts' } },
    };
    expect(validateDotfile(FILE, raw).warnings).toEqual([]);
  });
});

describe('validateDotfile: built-in flavors\' settings, against the real schemas', () => {
  let schemas: Record<string, z.ZodType>;
  beforeAll(async () => {
    schemas = await loadBuiltinSettingsSchemas(['local', 'mlflow', 'not-built-in']);
  });

  it('loads the schemas of built-in flavors only', () => {
    expect(Object.keys(schemas).sort()).toEqual(['local', 'mlflow']);
  });

  it('reports every bad value, one line each, with everything else wrong in the file', () => {
    const raw = {
      activeStack: 'missing',
      modelDeployers: {
        a: { flavor: 'local', settings: { port: 'abc', workers: -1 } },
        m: { flavor: 'mlflow', settings: { startTimeout: 0 } },
      },
    };
    expect(problemsOf(raw, schemas)).toEqual([
      `${FILE}: activeStack: expected a stack of this file (one of: default) (got "missing")`,
      `${FILE}: modelDeployers.a.settings.port: expected a number (got "abc")`,
      expect.stringMatching(new RegExp(`^${FILE.replace(/[.]/g, '\\.')}: modelDeployers\\.a\\.settings\\.workers: .*>=1 \\(got -1\\)$`)),
      expect.stringMatching(/: modelDeployers\.m\.settings\.startTimeout: .*\(got 0\)$/),
    ]);
  });

  it('unknown setting keys only warn, with a did-you-mean', () => {
    const { warnings } = validateDotfile(FILE, { modelDeployers: { a: { flavor: 'local', settings: { wrokers: 2, batching: { maxWaitMz: 1 } } } } }, { settingsSchemas: schemas });
    expect(warnings).toEqual([
      `${FILE}: modelDeployers.a.settings.wrokers: unknown setting of flavor 'local'; did you mean workers?`,
      `${FILE}: modelDeployers.a.settings.batching.maxWaitMz: unknown setting of flavor 'local'; did you mean maxWaitMs?`,
    ]);
  });

  it('valid settings pass; custom flavors\' settings are not checked here (that would load their code)', () => {
    const raw = {
      modelDeployers: { a: { flavor: 'local', settings: { port: 8000, workers: 2 } }, c: { flavor: 'mine', settings: { anything: 'x' } } },
      flavors: { mine: { source: './mine.ts' } },
    };
    expect(validateDotfile(FILE, raw, { settingsSchemas: schemas }).warnings).toEqual([]);
  });
});
