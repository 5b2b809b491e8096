// Layer 1: dotfile validation (src/config/validate-config.ts). Every problem is one line
// `file: dotted.key.path: expectation (got value)`; unknown keys are warnings, never errors.
import { z } from 'zod';
import { dottedPath, formatIssues, validateDotfile } from '../../src/config/validate-config.js';
import { ConfigError, ExitCode } from '../../src/errors.js';

const FILE = '/project/.zenmlrc.json';

function problemsOf(raw: unknown): string[] {
  try {
    validateDotfile(FILE, raw);
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
    ['activeStack not a string', { activeStack: 5 }, /^\/project\/\.zenmlrc\.json: activeStack: .*expected string.*\(got 5\)$/],
    ['activeStack empty', { activeStack: '' }, /: activeStack: .*>=1 characters.*\(got ""\)$/],
    ['unsupported version', { version: 2 }, /: version: .*expected 1.*\(got 2\)$/],
    ['empty flavor', { modelDeployers: { a: { flavor: '' } } }, /: modelDeployers\.a\.flavor: .*>=1 characters.*\(got ""\)$/],
    ['missing flavor', { modelDeployers: { a: {} } }, /: modelDeployers\.a\.flavor: .*expected string, received undefined$/],
    ['settings not an object', { modelDeployers: { a: { flavor: 'local', settings: 'y' } } }, /: modelDeployers\.a\.settings: .*expected record.*\(got "y"\)$/],
    ['stack deployer not a string', { stacks: { s: { modelDeployer: 3 } } }, /: stacks\.s\.modelDeployer: .*expected string.*\(got 3\)$/],
    ['flavor without source', { flavors: { f: {} } }, /: flavors\.f\.source: .*expected string/],
    ['flavor export empty', { flavors: { f: { source: './f.ts', export: '' } } }, /: flavors\.f\.export: .*\(got ""\)$/],
    ['section not an object', { modelDeployers: [] }, /: modelDeployers: .*expected record, received array$/],
    ['root is an array', [], /: \(root\): .*expected object, received array$/],
    ['root is a string', 'text', /: \(root\): .*expected object.*\(got "text"\)$/],
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
    expect(line).toMatch(/: a: .*expected string, received object$/);
    expect(line).not.toContain('got');
  });
});
