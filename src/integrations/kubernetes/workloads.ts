/**
 * The Deployments and pods a controller made for a batch of resources, read in at most two list calls (a `find` over
 * a thousand resources must not make a thousand), grouped by the label the controller puts on them.
 */
import { ZenmlError } from '../../errors.js';
import type { KubeClient } from './kube-client.js';
import type { DeploymentView, PodView } from './rollout-state.js';

/** What a batch of resources owns, by resource name; undefined when this identity may not list Deployments or pods. */
export interface Workloads {
  deployments(name: string): DeploymentView[];
  pods(name: string): PodView[];
}

/** More names than this are selected by the label's existence rather than listed in an `in (...)` selector. */
const MAX_NAMED = 40;

/**
 * List the Deployments labelled `ownerLabel` (one call), and the pods of the resources named in `podsFor` (one call,
 * skipped when empty). A 403 (an identity that may read the custom resources only) gives undefined: the caller then
 * reads the controller's status alone.
 */
export async function readWorkloads(client: KubeClient, ownerLabel: string, names: string[], podsFor: (deployments: (name: string) => DeploymentView[]) => string[]): Promise<Workloads | undefined> {
  try {
    const deployments = groupBy(await client.listDeployments(selectorFor(ownerLabel, names)), ownerLabel);
    const podNames = podsFor((name) => deployments.get(name) ?? []);
    const pods = podNames.length ? groupBy(await client.listPodViews(selectorFor(ownerLabel, podNames)), ownerLabel) : new Map<string, PodView[]>();
    return { deployments: (name) => deployments.get(name) ?? [], pods: (name) => pods.get(name) ?? [] };
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
