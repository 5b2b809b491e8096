// The per-object work queue both stand-in controllers share, as a real controller's: work for one object runs in
// order, never two at once, so two reconciles cannot race each other (creating the same pod twice, say). A write that
// lost a race (409 from another writer, 422 from the status patch's generation test) is no error: the object is
// reconciled again from its latest version. A 404 means it was deleted meanwhile, and the delete event cleans up.
import { describeError, statusCode } from './api-error.js';

/** Delay before reconciling again after a lost race, so the informer can catch up with the winning write. */
const RETRY_DELAY_MS = 50;
/** How long drain() waits for queued work at most, so a hung API call cannot hang a test's teardown. */
const DRAIN_TIMEOUT_MS = 5000;

/** What the queue needs from its controller. */
export interface ReconcileQueueOptions<T> {
  /** The latest version of the object, from the informer's cache; undefined once it is gone. */
  latest(namespace: string, name: string): T | undefined;
  /** Reconcile one version of the object (what a retry runs). */
  reconcile(object: T): Promise<void>;
  /** Where errors other than 404/409/422 are recorded, as `namespace/name: message`. */
  errors: string[];
}

/** A serial work queue per `namespace/name`. */
export interface ReconcileQueue {
  /** Run `work` after the object's earlier work (see the file comment for how its errors are handled). */
  enqueue(namespace: string, name: string, work: () => Promise<void>): void;
  /** Skip all work that has not started yet, and any enqueued later. */
  close(): void;
  /** Wait until the work queued so far has ended, or DRAIN_TIMEOUT_MS has passed. */
  drain(): Promise<void>;
}

/** Create an empty queue for one controller. */
export function createReconcileQueue<T>(options: ReconcileQueueOptions<T>): ReconcileQueue {
  const chains = new Map<string, Promise<void>>();
  let closed = false;

  const enqueue = (namespace: string, name: string, work: () => Promise<void>) => {
    const key = `${namespace}/${name}`;
    const next = (chains.get(key) ?? Promise.resolve()).then(async () => {
      if (closed) return;
      try {
        await work();
      } catch (error) {
        if (statusCode(error) === 404) return;
        if (statusCode(error) === 409 || statusCode(error) === 422) {
          setTimeout(() => reconcileLatest(namespace, name), RETRY_DELAY_MS).unref();
          return;
        }
        options.errors.push(`${key}: ${describeError(error)}`);
      }
    });
    chains.set(key, next);
    void next.finally(() => chains.get(key) === next && chains.delete(key));
  };

  const reconcileLatest = (namespace: string, name: string) => {
    const latest = options.latest(namespace, name);
    if (latest) enqueue(namespace, name, () => options.reconcile(latest));
  };

  return {
    enqueue,
    close() {
      closed = true;
    },
    async drain() {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...chains.values()]), new Promise((r) => (timer = setTimeout(r, DRAIN_TIMEOUT_MS)))]);
      clearTimeout(timer);
    },
  };
}
