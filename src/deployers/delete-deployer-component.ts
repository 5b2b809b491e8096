/**
 * Deleting a deployer component without orphaning its model servers: a component that still has
 * servers is refused (they would keep their ports and vanish from `find`), unless `force` asks to
 * stop and delete them first.
 */
import { deleteComponent } from '../config/components.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { DEFAULT_NAME } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { resolveDeployer } from './resolve-deployer.js';

/** Options of deleteDeployerComponent. */
export interface DeleteComponentOptions {
  /** Stop (killing after `timeout`) and delete the component's model servers first. */
  force?: boolean;
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
  let deployer;
  try {
    deployer = await resolveDeployer(config, { deployer: name, log });
  } catch (error) {
    // A component whose flavor no longer loads can still be removed, but only when asked to: its servers cannot be listed.
    if (!options.force) throw error;
    log(`warning: cannot list the model servers of '${name}' (${(error as Error).message}); deleting the component only`);
    await deleteComponent(config.filepath, name);
    return { name, deleted: true, deletedServers: [] };
  }
  const servers = await deployer.listModelServers();
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
  return { name, deleted: true, deletedServers: uuids };
}
