/**
 * The labels and annotations zenml puts on the resources it creates, built and parsed here only, so
 * `deploy` (which writes them) and `find` (which selects by them) can never disagree.
 *
 * Labels carry the filter keys (sanitized to valid label values) so `find` narrows server-side with a
 * label selector; the exact values are compared afterwards, client-side, against the serialized
 * service kept in an annotation. The annotation is what lets any machine with the kubeconfig rebuild
 * every service from the cluster alone.
 *
 * Ownership: every resource also names the deployer component that made it, as a label (so a listing
 * selects only its own server-side) and as an annotation (the exact name, for component names that are
 * not valid label values and were escaped). The label value is the component's name and nothing else, so
 * a second machine that registers a component of the same name for the same cluster and namespace owns the
 * same servers, as ZenML's stack components do when a team shares a stack. A resource without the label
 * (made by a zenml from before ownership, or by hand) belongs to no component: only `find --all` shows it.
 */
import { createHash } from 'node:crypto';
import type { ServiceFilter } from '../../deployers/service-filter.js';
import type { ServiceConfig } from '../../services/service-config.js';

/** The managed-by marker: resources without it are never listed, changed or deleted. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Value of the managed-by marker. */
export const MANAGED_BY_VALUE = 'zenml';
/** The uuid of the service a resource belongs to. */
export const SERVICE_UUID_LABEL = 'zenml.io/service-uuid';
/** The serialized service (JSON). */
export const SERVICE_ANNOTATION = 'zenml.io/service';
/** The deployer component that made a resource (its name, escaped to a label value when it is not one). */
export const COMPONENT_LABEL = 'zenml.io/component';
/** The exact name of that component (the label may hold an escaped form of it). */
export const COMPONENT_ANNOTATION = 'zenml.io/component';
/** Replica count of every predictor before `stop` scaled them to 0 (JSON object name -> count). */
export const REPLICAS_ANNOTATION = 'zenml.io/replicas-before-stop';

/** The filter keys that become labels, and their label keys. modelUri is hashed: URIs are rarely valid label values. */
const FILTER_LABELS = {
  pipelineName: 'zenml.io/pipeline-name',
  pipelineStepName: 'zenml.io/pipeline-step-name',
  pipelineRunId: 'zenml.io/pipeline-run-id',
  modelName: 'zenml.io/model-name',
  modelType: 'zenml.io/model-type',
  modelUri: 'zenml.io/model-uri-hash',
} as const satisfies Partial<Record<keyof ServiceFilter, string>>;

type LabelledKey = keyof typeof FILTER_LABELS;
const LABELLED_KEYS = Object.keys(FILTER_LABELS) as LabelledKey[];

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_LABEL_VALUE = 63;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function shortHash(value: string, length: number): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

/**
 * A valid label value for any string: valid values are kept as they are; others have invalid characters
 * replaced, are cut to fit, and end in a hash of the original, so two values that differ only in
 * dropped characters rarely share a label (the exact client-side comparison settles the rest).
 */
export function sanitizeLabelValue(value: string): string {
  if (value.length <= MAX_LABEL_VALUE && LABEL_VALUE.test(value)) return value;
  const hash = shortHash(value, 8);
  const head = value
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, MAX_LABEL_VALUE - hash.length - 1)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
  return head ? `${head}-${hash}` : hash;
}

function labelValueFor(key: LabelledKey, value: string): string {
  return key === 'modelUri' ? shortHash(value, 16) : sanitizeLabelValue(value);
}

/**
 * The component label's value: the component name itself when it is a valid label value (≤ 63 of
 * [A-Za-z0-9_.-], beginning and ending alphanumeric), else the escaped form of sanitizeLabelValue
 * (invalid characters replaced, cut, ending in a hash of the name), so every name has exactly one value.
 */
export function componentLabelValue(component: string): string {
  return sanitizeLabelValue(component);
}

/** The labels of a service's resource: the managed-by marker, the owning component, its uuid, and every non-empty filter key. */
export function serviceLabels(uuid: string, config: ServiceConfig | Record<string, unknown>, component: string): Record<string, string> {
  const labels: Record<string, string> = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [COMPONENT_LABEL]: componentLabelValue(component), [SERVICE_UUID_LABEL]: uuid };
  for (const key of LABELLED_KEYS) {
    const value = (config as Record<string, unknown>)[key];
    if (typeof value === 'string' && value !== '') labels[FILTER_LABELS[key]] = labelValueFor(key, value);
  }
  return labels;
}

/**
 * The label selector that narrows a listing to zenml's resources matching `filter` (a superset of the
 * matches: callers still compare exactly, ownership with ownedBy). With `component`, only that
 * component's resources; without, every zenml resource (`find --all`). A uuid narrows only when it is a
 * full uuid, not a prefix.
 */
export function labelSelector(filter: ServiceFilter = {}, component?: string): string {
  const terms = [`${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`];
  if (component !== undefined) terms.push(`${COMPONENT_LABEL}=${componentLabelValue(component)}`);
  const uuid = filter.serviceUuid?.toLowerCase();
  if (uuid && UUID.test(uuid)) terms.push(`${SERVICE_UUID_LABEL}=${uuid}`);
  for (const key of LABELLED_KEYS) {
    const value = filter[key];
    if (value) terms.push(`${FILTER_LABELS[key]}=${labelValueFor(key, value)}`);
  }
  return terms.join(',');
}

/** What the service annotation holds: the service record minus what is read from the cluster each time. */
export interface StoredService {
  type: string;
  flavor: string;
  uuid: string;
  config: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  extra: Record<string, unknown>;
}

/** Kubernetes object metadata, as far as labels and annotations go. */
export interface LabelledMetadata {
  name?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The annotation value for a service. */
export function serviceAnnotationValue(service: StoredService): string {
  const { type, flavor, uuid, config, createdAt, updatedAt, extra } = service;
  return JSON.stringify({ type, flavor, uuid, config, createdAt, updatedAt, extra });
}

/**
 * True when the resource belongs to `component`: its label holds the component's label value and its
 * annotation, when there is one, the exact name (two names escaped to the same value are told apart
 * there). A resource labelled by hand (`kubectl label … zenml.io/component=<name>`) is adopted.
 */
export function ownedBy(metadata: LabelledMetadata | undefined, component: string): boolean {
  if (metadata?.labels?.[COMPONENT_LABEL] !== componentLabelValue(component)) return false;
  const exact = metadata.annotations?.[COMPONENT_ANNOTATION];
  return exact === undefined || exact === component;
}

/** The component a resource belongs to (the exact name when annotated, else the label), or null for none. */
export function ownerOf(metadata: LabelledMetadata | undefined): string | null {
  const label = metadata?.labels?.[COMPONENT_LABEL];
  if (label === undefined) return null;
  const exact = metadata?.annotations?.[COMPONENT_ANNOTATION];
  return exact !== undefined && componentLabelValue(exact) === label ? exact : label;
}

/** True when zenml created the resource (the managed-by marker is set). */
export function isManaged(metadata: LabelledMetadata | undefined): boolean {
  return metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

/**
 * The service stored on a resource; a reason string when the resource carries none or a broken one
 * (hand-edited, or written by something else that borrowed the marker).
 */
export function readServiceAnnotation(metadata: LabelledMetadata | undefined): StoredService | string {
  const raw = metadata?.annotations?.[SERVICE_ANNOTATION];
  if (raw === undefined) return `it has no ${SERVICE_ANNOTATION} annotation`;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return `its ${SERVICE_ANNOTATION} annotation is not JSON`;
  }
  const d = data as Partial<StoredService> | null;
  if (!d || typeof d !== 'object' || typeof d.uuid !== 'string' || typeof d.type !== 'string' || !d.config || typeof d.config !== 'object') {
    return `its ${SERVICE_ANNOTATION} annotation lacks uuid, type or config`;
  }
  const now = new Date(0).toISOString();
  return {
    type: d.type,
    flavor: typeof d.flavor === 'string' ? d.flavor : '',
    uuid: d.uuid,
    config: d.config,
    createdAt: typeof d.createdAt === 'string' ? d.createdAt : now,
    updatedAt: typeof d.updatedAt === 'string' ? d.updatedAt : now,
    extra: d.extra && typeof d.extra === 'object' ? d.extra : {},
  };
}

/** The annotation value remembering replica counts before a stop. */
export function replicasAnnotationValue(counts: Record<string, number>): string {
  return JSON.stringify(counts);
}

/** The replica counts remembered by a stop, or undefined when the resource is not stopped by zenml. */
export function readReplicasAnnotation(metadata: LabelledMetadata | undefined): Record<string, number> | undefined {
  const raw = metadata?.annotations?.[REPLICAS_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const data = JSON.parse(raw) as unknown;
    if (typeof data === 'number' && Number.isInteger(data) && data >= 0) return { '*': data };
    if (!data || typeof data !== 'object' || Array.isArray(data)) return {};
    const counts: Record<string, number> = {};
    for (const [name, n] of Object.entries(data)) if (Number.isInteger(n) && (n as number) >= 0) counts[name] = n as number;
    return counts;
  } catch {
    // A mangled annotation still means "stopped": start falls back to one replica per predictor.
    return {};
  }
}

/**
 * The metadata of a service's resource: its name and namespace, zenml's labels (the owning component's
 * among them), the component's exact name and the serialized service annotation. Every Kubernetes
 * flavor's manifest builder starts from it.
 */
export function managedMetadata(target: { name: string; namespace: string; component: string }, service: StoredService) {
  return {
    name: target.name,
    namespace: target.namespace,
    labels: serviceLabels(service.uuid, service.config, target.component),
    annotations: { [COMPONENT_ANNOTATION]: target.component, [SERVICE_ANNOTATION]: serviceAnnotationValue(service) },
  };
}
