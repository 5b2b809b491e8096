/** What the page's buttons do: the deployer methods the CLI's stop/start/delete/promote/rollback/predict call. */
import type { BaseModelDeployer } from '../deployers/base-model-deployer.js';
import { serviceView } from '../deployers/service-view.js';
import { UsageError } from '../errors.js';
import { readPredictInput } from '../predict/predict-input.js';
import type { PredictionProtocol } from '../predict/prediction.js';
import type { DashboardAction } from './server-row.js';

/** Seconds a button waits for its server, as `-t` of the commands. */
const ACTION_TIMEOUT = 120;

/** The body of a try-it request: what `predict --data` and `--protocol` take. */
export interface PredictBody {
  data?: unknown;
  protocol?: string;
}

/** Run one action on server `uuid` of `deployer`; returns what the command prints with --json. */
export async function runAction(deployer: BaseModelDeployer, action: string, uuid: string, body: PredictBody, cwd: string): Promise<unknown> {
  const timeout = ACTION_TIMEOUT;
  switch (action as DashboardAction) {
    case 'stop':
      return serviceView(deployer, await deployer.stopModelServer(uuid, { timeout }));
    case 'start':
      return serviceView(deployer, await deployer.startModelServer(uuid, { timeout }));
    case 'promote':
      return serviceView(deployer, await deployer.promoteModelServer(uuid, { timeout }));
    case 'rollback':
      return serviceView(deployer, await deployer.rollbackModelServer(uuid, { timeout }));
    case 'delete':
      return { uuid: (await deployer.deleteModelServer(uuid, { timeout })).uuid, deleted: true };
    case 'predict': {
      const data = typeof body.data === 'string' ? body.data : JSON.stringify(body.data ?? null);
      const input = await readPredictInput({ data, cwd });
      const protocol = body.protocol === 'mlflow' || body.protocol === 'v2' ? (body.protocol as PredictionProtocol) : undefined;
      return deployer.predict(uuid, { ...input, protocol, timeoutMs: 60_000 });
    }
    default:
      throw new UsageError(`no action '${action}': expected one of predict, start, stop, delete, promote, rollback`);
  }
}
