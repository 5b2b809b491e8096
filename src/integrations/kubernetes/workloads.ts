/**
 * The Deployments and pods a controller made for a batch of resources, read in at most two list calls (a `find` over
 * a thousand resources must not make a thousand), grouped by the label the controller puts on them.
 */
import { ZenmlError } from '../../errors.js';
import { ServiceState } from '../../services/service-status.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import { deploymentRolloutState, type DeploymentView, type PodView } from './rollout-state.js';

/** The Deployments and pods of one resource. */
export interface ResourceWorkloads {
  deployments: DeploymentView[];
  pods: PodView[];
}

/** What a batch of resources owns, by resource name. */
export interface Workloads {
  of(name: string): ResourceWorkloads;
}

/** More names than this are selected by the label's existence rather than listed in an `in (...)` selector. */
const MAX_NAMED = 40;

/**
 * List the Deployments labelled `ownerLabel` for `resources` (one call), and the pods of the resources with a
 * Deployment not rolled out yet or for which `needsPods` says so (one call, skipped when none). A 403 (an identity
 * that may read the custom resources only) gives undefined: the caller then reads the controller's status alone.
 */
export async function readWorkloads(client: KubeClient, ownerLabel: string, resources: KubeObject[], needsPods: (resource: KubeObject) => boolean = () => false): Promise<Workloads | undefined> {
  try {
    const names = resources.map((r) => r.metadata.name);
    const deployments = groupBy(await client.listDeployments(selectorFor(ownerLabel, names)), ownerLabel);
    const rollingOut = (name: string) => (deployments.get(name) ?? []).some((d) => deploymentRolloutState(d, []).state !== ServiceState.ACTIVE);
    const podNames = resources.filter((r) => needsPods(r) || rollingOut(r.metadata.name)).map((r) => r.metadata.name);
    const pods = podNames.length ? groupBy(await client.listPodViews(selectorFor(ownerLabel, podNames)), ownerLabel) : new Map<string, PodView[]>();
    return { of: (name) => ({ deployments: deployments.get(name) ?? [], pods: pods.get(name) ?? [] }) };
  } catch (error) {
    if (error instanceof ZenmlError && error.code === 'KUBERNETES_FORBIDDEN') return undefined;
    throw error;
  }
}

function selectorFor(label: string, names: string[]): string {
  return names.length > 0 && names.length <= MAX_NAMED ? `${label} in (${names.join(',')})` : label;
}

function groupBy<T extends { metadata: { labels?: Record<string, string> } }>(items: T[], label: string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const owner = item.metadata.labels?.[label];
    if (owner === undefined) continue;
    groups.set(owner, [...(groups.get(owner) ?? []), item]);
  }
  return groups;
}
