/** How long a controller has had to act on what was last written to a resource, for waits that name a silent controller. */
import type { KubeObject } from './kube-client.js';
import { readServiceAnnotation } from './kube-labels.js';

/** After this long without a word from its controller, a pending resource's reason asks whether the controller runs. */
export const CONTROLLER_SILENCE_MS = 15_000;

/**
 * Milliseconds since the resource's spec or metadata was last written: the newest of its managedFields entries that
 * are not the status subresource (a stop, a start or a promote writes there too), else the stored service's
 * updatedAt, else its creation.
 */
export function silentForMs(resource: KubeObject, now = Date.now()): number {
  const stored = readServiceAnnotation(resource.metadata);
  const times = [
    typeof stored === 'string' ? undefined : stored.updatedAt,
    resource.metadata.creationTimestamp,
    ...(resource.metadata.managedFields ?? []).filter((f) => f.subresource !== 'status').map((f) => f.time),
  ]
    .map((t) => (t ? Date.parse(String(t)) : NaN))
    .filter((t) => Number.isFinite(t));
  return times.length ? now - Math.max(...times) : 0;
}
