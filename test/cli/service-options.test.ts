// Layer 1: command options of the model server commands (src/cli/handlers/service-options.ts).
import { DeployOptionsSchema, LifecycleOptionsSchema, LogsOptionsSchema, parseOptions } from '../../src/cli/handlers/service-options.js';
import { UsageError } from '../../src/errors.js';

describe('parseOptions: accepted values', () => {
  it.each<[string, unknown, unknown]>([
    ['default timeout', {}, { timeout: 300 }],
    ['timeout from commander (a string)', { timeout: '12' }, { timeout: 12 }],
    ['fractional timeout', { timeout: '0.5' }, { timeout: 0.5 }],
    ['zero timeout (do not wait)', { timeout: '0' }, { timeout: 0 }],
    ['force flags and deployer', { timeout: '1', yes: true, deployer: 'd' }, { timeout: 1, yes: true, deployer: 'd' }],
  ])('lifecycle: %s', (_label, raw, expected) => {
    expect(parseOptions(LifecycleOptionsSchema, raw)).toEqual(expected);
  });

  it.each<[string, unknown, unknown]>([
    ['no tail', {}, {}],
    ['tail', { tail: '20' }, { tail: 20 }],
    ['follow', { follow: true, tail: '0' }, { follow: true, tail: 0 }],
  ])('logs: %s', (_label, raw, expected) => {
    expect(parseOptions(LogsOptionsSchema, raw)).toEqual(expected);
  });

  it('deploy: defaults for settings and timeout', () => {
    expect(parseOptions(DeployOptionsSchema, { modelUri: '/m/a.onnx', replace: true })).toEqual({
      modelUri: '/m/a.onnx',
      replace: true,
      setting: [],
      timeout: 300,
    });
  });
});

describe('parseOptions: rejected values name the option (kebab-case) and the value typed', () => {
  it.each<[string, typeof LifecycleOptionsSchema | typeof LogsOptionsSchema | typeof DeployOptionsSchema, unknown, string]>([
    ['timeout not a number', LifecycleOptionsSchema, { timeout: 'abc' }, '--timeout: expected a number of seconds (got "abc")'],
    ['negative timeout', LifecycleOptionsSchema, { timeout: '-5' }, '--timeout: expected 0 or more seconds (got "-5")'],
    ['infinite timeout', LifecycleOptionsSchema, { timeout: 'Infinity' }, '--timeout: '],
    ['empty deployer', LifecycleOptionsSchema, { deployer: '' }, '--deployer: '],
    ['tail not a number', LogsOptionsSchema, { tail: 'x' }, '--tail: expected a number of lines (got "x")'],
    ['fractional tail', LogsOptionsSchema, { tail: '1.5' }, '--tail: expected a whole number of lines (got "1.5")'],
    ['empty model URI', DeployOptionsSchema, { modelUri: '' }, '--model-uri: expected a model URI'],
    ['every capital of a long option name', DeployOptionsSchema, { modelUri: 'm', pipelineStepName: 5 }, '--pipeline-step-name: '],
  ])('%s', (_label, schema, raw, message) => {
    expect(() => parseOptions(schema, raw)).toThrow(UsageError);
    expect(() => parseOptions(schema, raw)).toThrow(message);
  });
});

describe('parseOptions: one line', () => {
  it('several bad options make one line, each option named', () => {
    let message = '';
    try {
      parseOptions(LifecycleOptionsSchema, { timeout: 'abc', deployer: '' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^--timeout: expected a number of seconds \(got "abc"\); --deployer: /);
  });
});
