// Adaptive batching: concurrent requests are stacked, run once and split back, and every caller gets exactly its
// own rows' answers. First the batcher's logic in-process, then the real daemon under 32 concurrent requests.
import { afterAll, describe, expect, it } from '@jest/globals';
import { createBatcher } from '../../src/server/batcher.js';
import type { TensorMap } from '../../src/server/model-session.js';
import { IRIS_V1, postJson, startServer, stopAllServers, type ServerProcess } from '../helpers/server-harness.js';
import { expectIrisClose, irisReference, irisRows, type IrisAnswer } from '../helpers/server-reference.js';
import { binaryBody, postBinary, toBytes } from '../helpers/v2-binary-client.js';

afterAll(stopAllServers);

// A real computation standing in for a session: y = 2x + row index within the run, so a wrong split shows.
function doubling(runs: number[]) {
  return async (feeds: TensorMap): Promise<TensorMap> => {
    const x = feeds.x!;
    runs.push(x.dims[0]!);
    const y = Float64Array.from(x.data as Float64Array, (v) => v * 2);
    return { y: { type: 'float64', dims: [...x.dims], data: y } };
  };
}

const feed = (rows: number[][]): TensorMap => ({ x: { type: 'float64', dims: [rows.length, rows[0]!.length], data: Float64Array.from(rows.flat()) } });

describe('createBatcher', () => {
  it('runs a lone request at the end of its turn (never after maxWaitMs), stacks what arrives in one turn, and splits the answers back', async () => {
    const runs: number[] = [];
    const sizes: number[] = [];
    // maxWaitMs of an hour: a request that waited for it would time the test out.
    const batcher = createBatcher({ maxBatchSize: 32, maxWaitMs: 3_600_000, run: doubling(runs), onRun: (n) => sizes.push(n) });
    const lone = await batcher.submit(feed([[1, 2, 3]]));
    expect(Array.from(lone.y!.data as Float64Array)).toEqual([2, 4, 6]);
    expect(sizes).toEqual([1]);
    // 20 requests (39 rows) submitted in one turn: stacked into runs of at most 32 rows, not run one by one.
    const requests = Array.from({ length: 20 }, (_, i) => Array.from({ length: (i % 3) + 1 }, (_, r) => [i, r, i * 10 + r]));
    const answers = await Promise.all(requests.map((rows) => batcher.submit(feed(rows))));
    answers.forEach((out, i) => {
      expect(out.y!.dims).toEqual([requests[i]!.length, 3]);
      expect(Array.from(out.y!.data as Float64Array)).toEqual(requests[i]!.flat().map((v) => v * 2));
    });
    expect(sizes.slice(1).reduce((a, b) => a + b, 0)).toBe(20);
    // The first of them did not go alone: it waited for the rest of its turn.
    expect(sizes[1]).toBeGreaterThan(1);
    expect(runs.slice(1).every((rows) => rows <= 32)).toBe(true);
    expect(runs.length - 1).toBeLessThanOrEqual(3);
  });

  it('stacks requests of many rows up to maxBatchSize rows per run, and runs a request over the cap alone', async () => {
    const runs: number[] = [];
    const batcher = createBatcher({ maxBatchSize: 1024, maxWaitMs: 3_600_000, run: doubling(runs) });
    // Seven requests in one turn: the first four 256-row ones fill a run at once; the next two wait behind it until
    // the 1,500-row one (more than the cap) takes the queue past the cap, and they go out together, it alone.
    const sizes = [256, 256, 256, 256, 256, 256, 1500];
    const requests = sizes.map((n, i) => Array.from({ length: n }, (_, r) => [i, r]));
    const answers = await Promise.all(requests.map((rows) => batcher.submit(feed(rows))));
    answers.forEach((out, i) => {
      expect(out.y!.dims).toEqual([sizes[i], 2]);
      expect(Array.from(out.y!.data as Float64Array)).toEqual(requests[i]!.flat().map((v) => v * 2));
    });
    expect(runs).toEqual([1024, 512, 1500]);
  });

  it('never stacks requests whose non-batch dimensions differ', async () => {
    const runs: number[] = [];
    const batcher = createBatcher({ maxBatchSize: 32, maxWaitMs: 1000, run: doubling(runs) });
    const a = [[1, 2]];
    const b = [[1, 2, 3]];
    const out = await Promise.all([batcher.submit(feed(a)), batcher.submit(feed(a)), batcher.submit(feed(b)), batcher.submit(feed(a))]);
    expect(out.map((o) => o.y!.dims)).toEqual([[1, 2], [1, 2], [1, 3], [1, 2]]);
    expect(Array.from(out[2]!.y!.data as Float64Array)).toEqual([2, 4, 6]);
  });

  it('when a batched run fails, each request is retried alone so only the bad one fails', async () => {
    const runs: number[] = [];
    const ok = doubling(runs);
    const batcher = createBatcher({
      maxBatchSize: 32,
      maxWaitMs: 1000,
      run: async (feeds) => {
        if (Array.from(feeds.x!.data as Float64Array).includes(13)) throw new Error('13 is unlucky');
        return ok(feeds);
      },
    });
    const results = await Promise.allSettled([1, 2, 13, 4].map((v) => batcher.submit(feed([[v]]))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason.message).toBe('13 is unlucky');
    expect(results.map((r) => (r.status === 'fulfilled' ? (r.value.y!.data as Float64Array)[0] : 'error'))).toEqual([2, 4, 'error', 8]);
  });
});

describe('batching in the daemon', () => {
  const rows = irisRows(150);
  // 32 requests of 1 to 4 rows each, taken in order from the iris rows.
  const requests: number[][][] = [];
  for (let i = 0, at = 0; i < 32; i += 1) {
    const n = (i % 4) + 1;
    requests.push(rows.slice(at, at + n));
    at += n;
  }

  async function burst(server: ServerProcess, expected: IrisAnswer[]): Promise<void> {
    const answers = await Promise.all(
      requests.map((r) => postJson(`${server.url}/invocations`, { dataframe_split: { columns: ['a', 'b', 'c', 'd'], data: r } })),
    );
    let at = 0;
    answers.forEach((a, i) => {
      expect(a.status).toBe(200);
      const n = requests[i]!.length;
      expectIrisClose(a.json().predictions, expected.slice(at, at + n));
      at += n;
    });
  }

  async function batchStats(server: ServerProcess): Promise<{ runs: number; requests: number }> {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (name: string) => Number(text.split('\n').find((l) => l.startsWith(`${name}{model="iris"} `))!.split(' ')[1]);
    return { runs: value('zenml_server_batch_size_count'), requests: value('zenml_server_batch_size_sum') };
  }

  it('32 concurrent requests each get their own rows\' answers, and some runs served several requests', async () => {
    const server = await startServer({ batching: { enabled: true, maxBatchSize: 32, maxWaitMs: 5 } });
    const expected = await irisReference(IRIS_V1, requests.flat());
    // Whether requests overlap is up to the OS scheduler, so send bursts until one overlapped (the first almost always).
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await burst(server, expected);
      const stats = await batchStats(server);
      if (stats.runs < stats.requests) break;
    }
    const stats = await batchStats(server);
    expect(stats.runs).toBeLessThan(stats.requests);
  });

  it('with the default settings, concurrent 256-row binary requests share runs and each gets its own rows', async () => {
    const server = await startServer();
    const expected = await irisReference(IRIS_V1, rows);
    // 16 requests of 256 rows, each starting at another iris row, so that answers split at the wrong row show.
    const big = Array.from({ length: 16 }, (_, i) => Array.from({ length: 256 }, (_, r) => (i * 7 + r) % rows.length));
    const send = (picks: number[]) => {
      const header = {
        inputs: [{ name: 'input', shape: [picks.length, 4], datatype: 'FP32', parameters: { binary_data_size: picks.length * 16 } }],
        outputs: [{ name: 'label', parameters: { binary_data: true } }, { name: 'probabilities', parameters: { binary_data: true } }],
      };
      const { body, headerLength } = binaryBody(header, [toBytes('FP32', picks.flatMap((p) => rows[p]!))]);
      return postBinary(`${server.url}/v2/models/iris/infer`, body, { 'inference-header-content-length': String(headerLength) });
    };
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const answers = await Promise.all(big.map(send));
      answers.forEach((a, i) => {
        expect(a.status).toBe(200);
        expect(a.binaryOutputs.sort()).toEqual(['label', 'probabilities']);
        const probabilities = a.values.probabilities as number[];
        const got = (a.values.label as number[]).map((label, r) => ({ label, probabilities: probabilities.slice(r * 3, r * 3 + 3) }));
        expectIrisClose(got, big[i]!.map((p) => expected[p]!));
      });
      const stats = await batchStats(server);
      if (stats.runs < stats.requests) break;
    }
    // Under the old default cap of 32 rows every one of these requests ran alone.
    const stats = await batchStats(server);
    expect(stats.runs).toBeLessThan(stats.requests);
  });

  it('with batching off every request runs alone and answers are the same', async () => {
    const server = await startServer({ batching: { enabled: false, maxBatchSize: 32, maxWaitMs: 2 } });
    const expected = await irisReference(IRIS_V1, requests.flat());
    await burst(server, expected);
    const stats = await batchStats(server);
    expect(stats).toEqual({ runs: 32, requests: 32 });
  });
});
