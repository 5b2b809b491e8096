/** A resource's status.conditions in one line (pure). */

/** One entry of status.conditions (Knative's duck type, used by Seldon Core and KServe). */
export interface KubeCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/**
 * "Ready=True, DeploymentsReady=True, ServicesReady=False (NoService)": every condition as `type=status`, with the
 * reason of any that is not True (a True one's reason says nothing new). Empty when there are none.
 */
export function describeConditions(conditions: unknown): string {
  if (!Array.isArray(conditions)) return '';
  return (conditions as KubeCondition[])
    .filter((c) => c && typeof c.type === 'string')
    .map((c) => `${c.type}=${c.status ?? 'Unknown'}${c.status !== 'True' && c.reason ? ` (${c.reason})` : ''}`)
    .join(', ');
}
