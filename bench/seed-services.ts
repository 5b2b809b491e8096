/**
 * Inactive `local` services for the `find` figure, made through the package's own API (service
 * class + store), exactly as the local flavor would persist a stopped server.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { LocalModelService, saveService, ServiceState } from 'zenml-model-deployer';
import { IRIS_ONNX } from './project.js';

/** Add `count` inactive iris services to `stateDir`, `concurrency` writes at a time; resolves with the ms it took. */
export async function seedServices(stateDir: string, count: number, concurrency = 16): Promise<number> {
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const uuid = randomUUID();
      const servicePath = path.join(stateDir, 'services', uuid);
      const service = new LocalModelService({
        uuid,
        flavor: 'local',
        config: { name: `iris-${i}`, modelName: 'iris', modelVersion: '1', modelUri: IRIS_ONNX, pipelineName: 'bench', pipelineStepName: `step-${i % 50}` },
        status: { state: ServiceState.INACTIVE },
        extra: {
          host: '127.0.0.1',
          port: 0,
          instanceId: '',
          servicePath,
          logPath: path.join(servicePath, 'server.log'),
          serverConfigPath: path.join(servicePath, 'server-config.json'),
          modelPath: IRIS_ONNX,
        },
      });
      await saveService(stateDir, service);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - start;
}
