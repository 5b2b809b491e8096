import { validateSettings } from '../config/components.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { NotFoundError } from '../errors.js';
import { loadFlavor } from '../flavors/flavor-registry.js';
import type { BaseModelDeployer } from './base-model-deployer.js';
import type { ProgressReporter } from './progress.js';
import { deployerStateDir } from './state-dir.js';

/** Which deployer a service command talks to. */
export interface DeployerChoice {
  /** `--deployer NAME`; the active stack's deployer when undefined. */
  deployer?: string;
  /** Where progress goes (stderr in the CLI). */
  log?: (message: string) => void;
  /** Shows long waits (the CLI's spinner); see DeployerContext.progress. */
  progress?: ProgressReporter;
  /** Environment for the XDG state directory (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** The folder a deployer keeps its state in unless its settings say otherwise (see state-dir.ts). */
export function defaultStateDir(config: ResolvedConfig, name: string, env: NodeJS.ProcessEnv = process.env): string {
  return deployerStateDir(config, name, env);
}

/** The name of the deployer component a command uses. */
export function chosenDeployerName(config: ResolvedConfig, choice: DeployerChoice): string {
  if (choice.deployer) return choice.deployer;
  const stack = config.stacks[config.activeStack];
  if (!stack) throw new NotFoundError(`the active stack '${config.activeStack}' does not exist`, { suggestion: 'zenml stack set default' });
  return stack.modelDeployer;
}

/** Load the flavor of the chosen component, validate its settings and instantiate it. */
export async function resolveDeployer(config: ResolvedConfig, choice: DeployerChoice = {}): Promise<BaseModelDeployer> {
  const name = chosenDeployerName(config, choice);
  const entry = config.modelDeployers[name];
  if (!entry) {
    throw new NotFoundError(`no model deployer named '${name}'`, {
      suggestion: `registered: ${Object.keys(config.modelDeployers).join(', ')}`,
    });
  }
  const cls = await loadFlavor(config, entry.flavor);
  const settings = validateSettings(config.filepath, name, cls.configSchema, entry.settings);
  return new cls(settings, {
    name,
    configDir: config.configDir,
    configFile: config.filepath,
    stateDir: defaultStateDir(config, name, choice.env),
    log: choice.log ?? (() => undefined),
    progress: choice.progress,
  });
}
