// The stand-ins' work queue, in-process: the cluster tests rarely lose a write race, so the retry path is checked here.
import { waitFor } from '../helpers/wait.js';
import { createReconcileQueue } from './reconcile-queue.js';

/** An error shaped as the client's ApiException. */
const apiError = (code: number, message = `status ${code}`) => Object.assign(new Error('HTTP error'), { code, body: JSON.stringify({ message }) });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createReconcileQueue', () => {
  test('runs work for one object in order, never two at once', async () => {
    const queue = createReconcileQueue<string>({ latest: () => undefined, reconcile: async () => undefined, errors: [] });
    const log: string[] = [];
    let running = 0;
    for (const i of [1, 2, 3]) {
      queue.enqueue('ns', 'a', async () => {
        running++;
        log.push(`start ${i} (${running} running)`);
        await sleep(10);
        running--;
      });
    }
    await queue.drain();
    expect(log).toEqual(['start 1 (1 running)', 'start 2 (1 running)', 'start 3 (1 running)']);
  });

  test.each([409, 422])('after a %i, reconciles the latest object again', async (code) => {
    const reconciled: string[] = [];
    const queue = createReconcileQueue<string>({
      latest: (namespace, name) => `${namespace}/${name}@v2`,
      reconcile: async (object) => void reconciled.push(object),
      errors: [],
    });
    queue.enqueue('ns', 'a', async () => {
      throw apiError(code);
    });
    await waitFor(() => reconciled.length > 0, { timeoutMs: 2000, message: 'no retry' });
    expect(reconciled).toEqual(['ns/a@v2']);
  });

  test('a 404 is neither retried nor recorded; other errors are recorded with the API server message', async () => {
    const errors: string[] = [];
    let retries = 0;
    const queue = createReconcileQueue<string>({ latest: () => 'object', reconcile: async () => void retries++, errors });
    queue.enqueue('ns', 'gone', async () => {
      throw apiError(404);
    });
    queue.enqueue('ns', 'bad', async () => {
      throw apiError(500, 'etcd is down');
    });
    await queue.drain();
    await sleep(100);
    expect(retries).toBe(0);
    expect(errors).toEqual(['ns/bad: etcd is down']);
  });

  test('after close(), queued work does not run', async () => {
    const queue = createReconcileQueue<string>({ latest: () => undefined, reconcile: async () => undefined, errors: [] });
    const ran: number[] = [];
    queue.enqueue('ns', 'a', async () => {
      await sleep(10);
      ran.push(1);
    });
    queue.enqueue('ns', 'a', async () => void ran.push(2));
    await sleep(0);
    queue.close();
    await queue.drain();
    expect(ran).toEqual([1]);
  });
});
