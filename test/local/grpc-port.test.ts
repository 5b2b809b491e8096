// How the local flavor picks a spawn's gRPC port: off, the configured one (which must be free), the previous one
// while it is free, or any free port other than the HTTP port; and GRPC_URL in the info. Real ports on 127.0.0.1.
import { createServer, type Server } from 'node:net';
import { LocalModelService } from '../../src/integrations/local/local-service.js';
import { localSettingsSchema } from '../../src/integrations/local/local-settings.js';
import { localServerInfo } from '../../src/integrations/local/server-info.js';
import { pickGrpcPort } from '../../src/integrations/local/server-process.js';
import { ServerError } from '../../src/errors.js';
import { ServiceState } from '../../src/services/service-status.js';

const blockers: Server[] = [];
afterEach(() => blockers.splice(0).forEach((s) => s.close()));

async function takenPort(): Promise<number> {
  const s = createServer();
  blockers.push(s);
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  return (s.address() as { port: number }).port;
}

const service = (extra: Record<string, unknown>) =>
  new LocalModelService({ uuid: 'u1', config: { modelName: 'iris' }, flavor: 'local', extra: { host: '127.0.0.1', port: 40000, ...extra } });
const settings = (grpcPort: unknown) => localSettingsSchema.parse({ grpcPort });

test('false turns gRPC off', async () => {
  expect(await pickGrpcPort(service({ grpcPort: 41000 }), settings(false))).toBeUndefined();
});

test('a configured port is used when free, and a taken one fails naming it', async () => {
  const taken = await takenPort();
  await expect(pickGrpcPort(service({}), settings(taken))).rejects.toThrow(ServerError);
  await expect(pickGrpcPort(service({}), settings(taken))).rejects.toThrow(`gRPC port ${taken} on 127.0.0.1 is already in use`);
  blockers.splice(0).forEach((s) => s.close());
  await new Promise((r) => setTimeout(r, 50));
  expect(await pickGrpcPort(service({}), settings(taken))).toBe(taken);
});

test('0 keeps the previous port while it is free, else picks another free port, never the HTTP port', async () => {
  const taken = await takenPort();
  const fresh = await pickGrpcPort(service({ grpcPort: taken }), settings(0));
  expect(fresh).toEqual(expect.any(Number));
  expect([taken, 40000]).not.toContain(fresh);
  expect(await pickGrpcPort(service({ grpcPort: fresh }), settings(0))).toBe(fresh);
});

test('GRPC_URL is host:port while the server is up, empty when stopped or without gRPC', () => {
  const up = service({ grpcPort: 41000, servicePath: '/s', logPath: '/s/log', pid: 1 });
  up.setState(ServiceState.ACTIVE);
  expect(localServerInfo(up).GRPC_URL).toBe('127.0.0.1:41000');
  const wildcard = service({ host: '0.0.0.0', grpcPort: 41000 });
  wildcard.setState(ServiceState.ACTIVE);
  expect(localServerInfo(wildcard).GRPC_URL).toBe('127.0.0.1:41000');
  const off = service({});
  off.setState(ServiceState.ACTIVE);
  expect(localServerInfo(off).GRPC_URL).toBe('');
  expect(localServerInfo(service({ grpcPort: 41000 })).GRPC_URL).toBe('');
});
