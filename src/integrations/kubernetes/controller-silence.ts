/** How long a controller has had to act on what zenml last wrote, for waits that name a controller gone silent. */
import type { KubeObject } from './kube-client.js';
import { readServiceAnnotation } from './kube-labels.js';

/** After this long without a word from its controller, a pending resource's reason asks whether the controller runs. */
export const CONTROLLER_SILENCE_MS = 15_000;

/** Milliseconds since zenml last wrote the resource's spec (its stored service's updatedAt, else its creation). */
export function silentForMs(resource: KubeObject, now = Date.now()): number {
  const stored = readServiceAnnotation(resource.metadata);
  const written = (typeof stored === 'string' ? undefined : stored.updatedAt) || resource.metadata.creationTimestamp;
  return written ? now - Date.parse(written) : 0;
}
