// Layer 1: what -q prints for each result shape (idsOf, Output.result) and how commander's own parse
// errors become our one-line UsageError (commanderUsageError).
import { PassThrough } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { commanderUsageError } from '../../src/cli/main.js';
import { Output, idsOf } from '../../src/cli/output.js';
import { UsageError } from '../../src/errors.js';

describe('idsOf: the ids -q prints', () => {
  it.each<[string, unknown, string[]]>([
    ['a model server', { uuid: 'u1', deployer: 'default', state: 'active' }, ['u1']],
    ['a deleted model server', { uuid: 'u1', deleted: true }, ['u1']],
    ['a component, stack or flavor', { name: 'fast', flavor: 'local' }, ['fast']],
    ['init', { path: '/p/.zenmlrc.json', created: true }, ['/p/.zenmlrc.json']],
    ['a listing', [{ uuid: 'a' }, { uuid: 'b' }], ['a', 'b']],
    ['an empty listing', [], []],
    ['something without an id', { lines: ['x'] }, []],
  ])('%s', (_label, value, ids) => {
    expect(idsOf(value)).toEqual(ids);
  });
});

function capture(options: Partial<ConstructorParameters<typeof Output>[0]>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const output = new Output({ json: false, quiet: false, verbose: false, color: false, ...options }, stdout, stderr);
  return { output, read: () => ({ out, err }) };
}

describe('Output in each mode', () => {
  it.each<[string, Partial<ConstructorParameters<typeof Output>[0]>, { out: string; err: string }]>([
    ['human', {}, { out: 'registered fast\n', err: 'note\nwarning: careful\n' }],
    ['--json', { json: true }, { out: '{"name":"fast","flavor":"local"}\n', err: 'warning: careful\n' }],
    ['-q', { quiet: true }, { out: 'fast\n', err: '' }],
  ])('%s', (_label, options, expected) => {
    const { output, read } = capture(options);
    output.info('note');
    output.warn('careful');
    output.result({ name: 'fast', flavor: 'local' }, () => 'registered fast');
    expect(read()).toEqual(expected);
  });
});

describe('commanderUsageError', () => {
  const deploy = new Command('zenml').addCommand(new Command('model-deployer').addCommand(new Command('deploy'))).commands[0]!.commands[0]!;

  it.each<[string, string, string, string]>([
    ['missing option', "error: required option '--model-uri <uri>' not specified", "required option '--model-uri <uri>' not specified", "run 'zenml model-deployer deploy --help' for usage"],
    ['argument count', "error: too many arguments for 'deploy'. Expected 0 arguments but got 1.", "too many arguments for 'deploy'. Expected 0 arguments but got 1", "run 'zenml model-deployer deploy --help' for usage"],
    ['did you mean', "error: unknown option '--modle-uri'\n(Did you mean --model-uri?)", "unknown option '--modle-uri'", "did you mean --model-uri? (run 'zenml model-deployer deploy --help' for usage)"],
  ])('%s', (_label, text, message, suggestion) => {
    const error = commanderUsageError(new CommanderError(1, 'commander.x', text), deploy);
    expect(error).toBeInstanceOf(UsageError);
    expect({ message: error.message, suggestion: error.suggestion, exitCode: error.exitCode }).toEqual({ message, suggestion, exitCode: 2 });
  });
});
