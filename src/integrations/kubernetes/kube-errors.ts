/**
 * The one translation of Kubernetes API failures into zenml errors. Flavors never look at HTTP status
 * codes: the client calls this for every failure, naming what it was doing, and the user gets one line
 * with the right exit code (unreachable 1, denied 2, kind not installed 2, invalid 2, namespace missing 3,
 * throttled past the command's timeout 4).
 */
import { EnvironmentError, ExitCode, NotFoundError, UsageError, ZenmlError } from '../../errors.js';
import { requestTimeoutMs } from './request-timeout.js';
import { qualifiedResource, type CustomResourceKind } from './resource-kind.js';
import { DEFAULT_RETRY_BUDGET_SECONDS, RetriesExhausted, type RetryStop } from './kube-retry.js';

/** What the client was doing when a call failed: the words of the error message. */
export interface KubeOperation {
  /** The RBAC verb: get, list, create, patch, delete, watch. */
  verb: string;
  /** The resource: a custom kind, or a core one such as `{ plural: 'pods', group: '' }`. */
  resource: Pick<CustomResourceKind, 'plural' | 'group'> & Partial<Pick<CustomResourceKind, 'kind' | 'notInstalled'>>;
  namespace?: string;
  name?: string;
  /** For pod logs: the node the pod runs on (its kubelet serves the logs). */
  node?: string;
}

/** Which API server and context a call went to (named by connection errors). */
export interface KubeTargetInfo {
  server: string;
  context: string;
}

/** The classes of failure this layer tells apart. */
export type KubeFailureType =
  | 'unreachable'
  | 'unauthorized'
  | 'forbidden'
  | 'namespace-missing'
  | 'kind-missing'
  | 'object-missing'
  | 'conflict'
  | 'invalid'
  | 'throttled'
  | 'unavailable'
  | 'other';

/** A failure, classified, with the API server's own message when it sent one. */
export interface KubeFailure {
  type: KubeFailureType;
  /** HTTP status (0 when no answer came). */
  status: number;
  message: string;
  /** How retrying went, when the answer was a 429/503 that was retried (kube-retry.ts). */
  retry?: { retries: number; retryAfter: number; stop: RetryStop; timeoutSeconds?: number };
}

/** The Kubernetes Status object an API server sends with a failure. */
interface KubeStatus {
  message?: string;
  reason?: string;
  details?: { name?: string; kind?: string; group?: string; causes?: Array<{ field?: string; message?: string }> };
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);
const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_)/;

function parseStatus(body: unknown): KubeStatus | undefined {
  if (typeof body === 'string') {
    try {
      return parseStatus(JSON.parse(body));
    } catch {
      return body.trim() ? { message: body.trim() } : undefined;
    }
  }
  return body && typeof body === 'object' ? (body as KubeStatus) : undefined;
}

/** The system error code of a network failure, looking through `cause` chains. */
function systemCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; errno?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth += 1) {
    if (typeof e.code === 'string') return e.code;
    if (typeof e.errno === 'string') return e.errno;
  }
  return undefined;
}

/** Sort a thrown value into a failure class (pure: reads `code`/`body` as the client library sets them). */
export function classifyKubeFailure(error: unknown): KubeFailure {
  if (error instanceof RetriesExhausted) {
    const { retries, retryAfter, stop, timeoutSeconds } = error;
    return { ...classifyKubeFailure(error.cause), retry: { retries, retryAfter, stop, timeoutSeconds } };
  }
  const e = error as { code?: unknown; body?: unknown; message?: unknown } | undefined;
  if (e && typeof e.code === 'number' && e.code >= 400) {
    const status = e.code;
    const s = parseStatus(e.body);
    const message = s?.message || (typeof e.message === 'string' ? e.message.split('\n')[0] : `HTTP ${status}`);
    if (status === 401) return { type: 'unauthorized', status, message };
    if (status === 403) return { type: 'forbidden', status, message };
    if (status === 409) return { type: 'conflict', status, message };
    if (status === 422) return { type: 'invalid', status, message };
    if (status === 429) return { type: 'throttled', status, message };
    if (status === 503) return { type: 'unavailable', status, message };
    if (status === 404) {
      if (s?.details?.kind === 'namespaces') return { type: 'namespace-missing', status, message };
      // An object that is not there names itself; a URL the server does not serve at all (the CRD is
      // missing) comes back as "the server could not find the requested resource" or a bare 404 page.
      if (s?.details?.name) return { type: 'object-missing', status, message };
      return { type: 'kind-missing', status, message };
    }
    return { type: 'other', status, message };
  }
  const code = systemCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code && (UNREACHABLE_CODES.has(code) || TLS_CODE.test(code))) return { type: 'unreachable', status: 0, message };
  // The client's per-request timeout aborted a request the server accepted and never answered.
  if ((error as { name?: unknown })?.name === 'AbortError' || (error as { type?: unknown })?.type === 'aborted') {
    const seconds = requestTimeoutMs() / 1000;
    const source = process.env.ZENML_KUBERNETES_REQUEST_TIMEOUT?.trim() ? 'ZENML_KUBERNETES_REQUEST_TIMEOUT' : 'default; ZENML_KUBERNETES_REQUEST_TIMEOUT sets it';
    return { type: 'unreachable', status: 0, message: `no answer within the request timeout of ${seconds} s (${source})` };
  }
  return { type: 'other', status: 0, message };
}

function where(op: KubeOperation): string {
  return op.namespace ? ` in namespace '${op.namespace}'` : '';
}

function what(op: KubeOperation): string {
  const resource = qualifiedResource(op.resource);
  return op.name ? `${resource} '${op.name}'` : resource;
}

/** 429/503: the API server turned the request away; how long zenml waited it out and why it stopped. */
function overloaded(error: unknown, failure: KubeFailure, op: KubeOperation, target: KubeTargetInfo, details: Record<string, unknown>): ZenmlError {
  const answer = failure.status === 429 ? `429 Too Many Requests` : `503 Service Unavailable`;
  const head = `the Kubernetes API server ${target.server} (context '${target.context}') turned away the request to ${op.verb} ${what(op)}${where(op)} (${answer}: ${failure.message})`;
  const code = failure.type === 'throttled' ? 'KUBERNETES_THROTTLED' : 'KUBERNETES_UNAVAILABLE';
  const r = failure.retry;
  const suggestion = 'the cluster is overloaded or restarting: try again later, or with a longer --timeout';
  if (!r) return new ZenmlError(`${head}, without a Retry-After to wait for`, { code, exitCode: ExitCode.FAILURE, suggestion, details, cause: error });
  const tried = `${r.retries} ${r.retries === 1 ? 'retry' : 'retries'}`;
  if (r.stop === 'max-retries') {
    return new ZenmlError(`${head}, and again after ${tried}`, { code, exitCode: ExitCode.FAILURE, suggestion, details: { ...details, retries: r.retries }, cause: error });
  }
  const bound = r.timeoutSeconds === undefined ? `the ${DEFAULT_RETRY_BUDGET_SECONDS} s zenml waits for it` : `the --timeout of ${r.timeoutSeconds} s`;
  return new ZenmlError(`${head} after ${tried}; it asks to retry in ${r.retryAfter} s, past ${bound}`, {
    code,
    exitCode: ExitCode.TIMEOUT,
    suggestion,
    details: { ...details, retries: r.retries, retryAfter: r.retryAfter },
    cause: error,
  });
}

/** Pod logs the API server could not fetch: 400 is the kubelet's "not started" (exit 3), 5xx a kubelet it cannot reach. */
function logsUnavailable(error: unknown, failure: KubeFailure, op: KubeOperation, details: Record<string, unknown>): ZenmlError | undefined {
  // A kubelet the API server cannot reach comes back as a 5xx without Retry-After (500 from a failed dial).
  if (op.resource.plural !== 'pods/log' || failure.retry || (failure.type !== 'other' && failure.type !== 'unavailable')) return undefined;
  if (failure.status === 400) {
    return new NotFoundError(`pod '${op.name}' has no logs to read yet: ${failure.message}`, { code: 'NO_LOGS', suggestion: 'wait until its container runs, then retry', details, cause: error });
  }
  if (failure.status < 500) return undefined;
  const node = op.node ? ` '${op.node}'` : '';
  return new ZenmlError(`the logs of pod '${op.name}' cannot be read: its node${node} serves no logs (the API server could not get them from the node's kubelet: ${failure.message})`, {
    code: 'KUBERNETES_LOGS_UNAVAILABLE',
    exitCode: ExitCode.FAILURE,
    suggestion: 'the node or its kubelet is down or unreachable from the API server; `kubectl describe node` shows its state',
    details,
    cause: error,
  });
}

/** A zenml error for a failed API call (one line; code and exit code by failure class). */
export function translateKubeError(error: unknown, op: KubeOperation, target: KubeTargetInfo): ZenmlError {
  if (error instanceof ZenmlError) return error;
  const failure = classifyKubeFailure(error);
  const details = { status: failure.status, verb: op.verb, resource: qualifiedResource(op.resource), namespace: op.namespace, name: op.name, server: target.server, context: target.context };
  const ctx = `context '${target.context}'`;
  const logs = logsUnavailable(error, failure, op, details);
  if (logs) return logs;
  switch (failure.type) {
    case 'throttled':
    case 'unavailable':
      return overloaded(error, failure, op, target, details);
    case 'unreachable':
      return new ZenmlError(`cannot reach the Kubernetes API server ${target.server} (${ctx}): ${failure.message}`, {
        code: 'KUBERNETES_UNREACHABLE',
        exitCode: ExitCode.FAILURE,
        suggestion: 'check that the cluster is up and that kubeconfig / kubernetesContext point at it',
        details,
        cause: error,
      });
    case 'unauthorized':
      return new ZenmlError(`the Kubernetes API server ${target.server} rejected the credentials of ${ctx} (401 Unauthorized) when trying to ${op.verb} ${what(op)}`, {
        code: 'KUBERNETES_UNAUTHORIZED',
        exitCode: ExitCode.USAGE,
        suggestion: 'refresh the credentials of that context (token, certificate or auth plugin)',
        details,
        cause: error,
      });
    case 'forbidden':
      return new ZenmlError(`the identity of ${ctx} may not ${op.verb} ${qualifiedResource(op.resource)}${where(op)} (403 Forbidden: ${failure.message})`, {
        code: 'KUBERNETES_FORBIDDEN',
        exitCode: ExitCode.USAGE,
        suggestion: `grant it '${op.verb}' on ${qualifiedResource(op.resource)} with an RBAC Role, or use another kubernetesContext`,
        details,
        cause: error,
      });
    case 'namespace-missing':
      return new NotFoundError(`namespace '${op.namespace ?? '?'}' does not exist in the cluster of ${ctx}`, {
        code: 'KUBERNETES_NAMESPACE_NOT_FOUND',
        suggestion: 'create it (kubectl create namespace …) or set kubernetesNamespace to an existing one',
        details,
        cause: error,
      });
    case 'kind-missing':
      if (op.resource.notInstalled) {
        return new EnvironmentError(`${op.resource.notInstalled.message} (the API server of ${ctx} does not serve ${qualifiedResource(op.resource)})`, {
          code: 'KUBERNETES_KIND_NOT_INSTALLED',
          suggestion: op.resource.notInstalled.suggestion,
          details,
          cause: error,
        });
      }
      return new NotFoundError(`the API server of ${ctx} does not serve ${qualifiedResource(op.resource)}: ${failure.message}`, { code: 'KUBERNETES_NOT_FOUND', details, cause: error });
    case 'object-missing':
      return new NotFoundError(`${what(op)} does not exist${where(op)}`, { code: 'KUBERNETES_NOT_FOUND', details, cause: error });
    case 'invalid':
      return new UsageError(`the Kubernetes API server rejected ${what(op)}: ${failure.message}`, { code: 'KUBERNETES_INVALID', details, cause: error });
    case 'conflict':
      return new ZenmlError(`could not ${op.verb} ${what(op)}${where(op)}: ${failure.message}`, { code: 'KUBERNETES_CONFLICT', exitCode: ExitCode.FAILURE, details, cause: error });
    default:
      return new ZenmlError(`could not ${op.verb} ${what(op)}${where(op)} (${ctx}): ${failure.status ? `HTTP ${failure.status}: ` : ''}${failure.message}`, {
        code: 'KUBERNETES_API',
        exitCode: ExitCode.FAILURE,
        details,
        cause: error,
      });
  }
}
