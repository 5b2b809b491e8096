/**
 * Deleting a deployer component without orphaning its model servers: a component that still has
 * servers is refused (they would keep their ports and vanish from `find`), unless `force` asks to
 * stop and delete them first. `orphan` is the way out when the platform is gone (a cluster torn
 * down, a kubeconfig deleted): the component goes and its servers are not even listed.
 */
import { deleteComponent } from '../config/components.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { DEFAULT_NAME } from '../config/schema.js';
import { UsageError, ZenmlError } from '../errors.js';
import { resolveDeployer } from './resolve-deployer.js';

/** Options of deleteDeployerComponent. */
export interface DeleteComponentOptions {
  /** Stop (killing after `timeout`) and delete the component's model servers first. */
  force?: boolean;
  /** Delete the component alone, without listing, stopping or deleting its model servers. */
  orphan?: boolean;
  /** Seconds each server may take to stop. */
  timeout?: number;
  /** Progress for humans. */
  log?: (message: string) => void;
}

/** What was deleted: the component and the uuids of the model servers deleted with it. */
export interface DeletedComponent {
  name: string;
  deleted: true;
  deletedServers: string[];
  /** True when the component went without its model servers being listed (`orphan`). */
  orphaned: boolean;
}

/** Delete the component `name`; UsageError listing its model servers when it has some and `force` is off. */
export async function deleteDeployerComponent(config: ResolvedConfig, name: string, options: DeleteComponentOptions = {}): Promise<DeletedComponent> {
  const log = options.log ?? (() => undefined);
  // The rules deleteComponent enforces are checked before any server is touched, so a refused delete changes nothing.
  if (name === DEFAULT_NAME) throw new UsageError(`the '${DEFAULT_NAME}' model deployer is built in and cannot be deleted`);
  const users = Object.entries(config.stacks).filter(([, s]) => s.modelDeployer === name).map(([n]) => n);
  if (users.length > 0) {
    throw new UsageError(`model deployer '${name}' is used by stack(s) ${users.join(', ')}`, {
      suggestion: 'delete those stacks or point them at another deployer first',
    });
  }
  if (options.orphan && options.force) {
    throw new UsageError('--orphan and --force ask for opposite things', {
      suggestion: '--force stops and deletes the model servers; --orphan leaves them as they are and deletes the component alone',
    });
  }
  if (options.orphan) {
    log(`deleting '${name}' alone: model servers it started are not listed, stopped or deleted`);
    await deleteComponent(config.filepath, name);
    return { name, deleted: true, deletedServers: [], orphaned: true };
  }
  let deployer;
  try {
    deployer = await resolveDeployer(config, { deployer: name, log });
  } catch (error) {
    // A component whose flavor no longer loads can still be removed, but only when asked to: its servers cannot be listed.
    if (!options.force) throw error;
    log(`warning: cannot list the model servers of '${name}' (${(error as Error).message}); deleting the component only`);
    await deleteComponent(config.filepath, name);
    return { name, deleted: true, deletedServers: [], orphaned: true };
  }
  const servers = await deployer.listModelServers().catch((error: unknown) => {
    throw cannotList(error, name);
  });
  const uuids = servers.map((s) => s.uuid);
  if (uuids.length > 0 && !options.force) {
    throw new UsageError(`model deployer '${name}' still has ${uuids.length} model server(s): ${uuids.join(', ')}`, {
      suggestion: `delete them first (zenml model-deployer delete <uuid> --deployer ${name}), or add --force to stop and delete them with it`,
      details: { servers: uuids },
    });
  }
  for (const uuid of uuids) {
    await deployer.deleteModelServer(uuid, { timeout: options.timeout, force: true });
    log(`deleted model server ${uuid}`);
  }
  await deleteComponent(config.filepath, name);
  return { name, deleted: true, deletedServers: uuids, orphaned: false };
}

// The platform cannot be asked what the component runs (cluster unreachable, kubeconfig gone): the same error, with
// the ways out beside the one it already gives.
function cannotList(error: unknown, name: string): unknown {
  if (!(error instanceof ZenmlError)) return error;
  const orphan = `or delete the component alone, leaving whatever it deployed running: zenml model-deployer delete ${name} --orphan`;
  return new ZenmlError(error.message, {
    code: error.code,
    exitCode: error.exitCode,
    details: error.details,
    cause: error,
    suggestion: error.suggestion ? `${error.suggestion}; ${orphan}` : orphan,
  });
}
