// Service configs: the store's fast path for complete configs gives exactly what zod gives; filters and their needles.
import { parseServiceConfig, ServiceConfigSchema } from '../../src/services/service-config.js';
import { matchesFilter, recordQuery } from '../../src/deployers/service-filter.js';
import { BaseService } from '../../src/services/base-service.js';

const complete = {
  name: 'iris', description: '', pipelineName: 'train', pipelineRunId: 'r1', pipelineStepName: 'deploy',
  modelName: 'iris', modelVersion: '2', modelUri: '/m.onnx', modelType: 'onnx', workers: 2,
};

test.each([
  ['a complete config (the fast path), flavor keys kept', complete],
  ['a partial config (defaults filled in)', { modelName: 'iris' }],
  ['a complete config with a non-string value', { ...complete, modelVersion: 2 }],
  ['inherited keys are not own keys', Object.assign(Object.create(complete), { extra: 1 })],
])('%s: parseServiceConfig equals zod', (_name, input) => {
  const expected = ServiceConfigSchema.safeParse(input);
  if (expected.success) expect(parseServiceConfig(input)).toEqual(expected.data);
  else expect(() => parseServiceConfig(input)).toThrow();
});

test('the fast path copies: changing the result does not change the input', () => {
  const input = { ...complete };
  const parsed = parseServiceConfig(input);
  parsed.modelName = 'other';
  expect(input.modelName).toBe('iris');
});

test('a service built without dates gets the same fresh timestamp for created, updated and state change', () => {
  const s = new BaseService({ uuid: 'u1', flavor: 'test', config: {} });
  expect(s.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect([s.updatedAt, s.status.lastStateChange]).toEqual([s.createdAt, s.createdAt]);
});

describe('recordQuery', () => {
  const record = { uuid: 'abcdef12-0000-4000-8000-000000000001', config: { ...complete, modelName: 'iris "v2"' } };
  const json = JSON.stringify({ type: 'x', uuid: record.uuid, config: record.config });

  test.each([
    [{ serviceUuid: 'ABCDEF' }, true],
    [{ serviceUuid: 'abd' }, false],
    [{ modelName: 'iris "v2"' }, true],
    [{ modelName: 'iris', pipelineName: 'train' }, false],
    [{ pipelineStepName: 'deploy', modelType: 'onnx' }, true],
  ])('%j: where says %s, and a matching record contains every needle', (filter, matches) => {
    const { where, needles } = recordQuery(filter);
    expect(where!(record)).toBe(matches);
    expect(needles!.length).toBeGreaterThan(0);
    if (matches) for (const needle of needles!) expect(json.includes(needle)).toBe(true);
    const service = new BaseService({ uuid: record.uuid, flavor: 'x', config: record.config });
    expect(matchesFilter(service, filter)).toBe(matches);
  });

  test('no filter: no test and no needle; a running-only filter has no needle', () => {
    expect(recordQuery(undefined)).toEqual({});
    expect(recordQuery({ running: true }).needles).toEqual([]);
  });

  test('the most selective needle comes first: uuid, run, model uri, step, model name, pipeline, type', () => {
    const { needles } = recordQuery({ pipelineName: 'p', modelName: 'm', pipelineStepName: 's', serviceUuid: 'ab' });
    expect(needles).toEqual(['"uuid":"ab', '"pipelineStepName":"s"', '"modelName":"m"', '"pipelineName":"p"']);
  });
});
