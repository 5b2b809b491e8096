// 1,000 idle keep-alive connections plus a few slowloris clients (headers a byte at a time, a body that never ends)
// do not stop a good client from being served; the slow clients are then cut off by the server's header and request
// timeouts (a 408, then the socket closed), while the idle sockets stay open and answer again. The server runs with
// short header and request timeouts (4 s, 6 s: the config's `timeouts`, 66 s and 120 s by default) so that the
// cut-off happens within the test; keep-alive stays at its 65 s default. A second server with a 1 s keep-alive shows
// an idle socket closed once it has been idle that long.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { startServer, stopAllServers, type ServerProcess } from '../helpers/server-harness.js';
import { within } from '../helpers/wait.js';
import { scale, tortureTimeout } from './scale.js';

const IDLE = 1_000;
const SLOW = scale(20, 5);
const TIMEOUTS = { headersMs: 4_000, requestMs: 6_000 };
let server: ServerProcess;
let port: number;
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];

beforeAll(async () => {
  server = await startServer({ timeouts: TIMEOUTS });
  port = server.runtime.port as number;
}, 60_000);

afterAll(async () => {
  for (const t of timers) clearInterval(t);
  for (const s of sockets) s.destroy();
  await stopAllServers();
});

function open(to = port): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(to, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
    sockets.push(s);
  });
}

/** Sends one keep-alive GET /ping on `s` and resolves with the status once the answer is complete. */
function ping(s: Socket): Promise<number> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (c: Buffer) => {
      text += c.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})[\s\S]*?\r\n\r\n/.exec(text);
      if (m && /Content-Length: (\d+)/i.test(text) && text.length >= m[0].length + Number(/Content-Length: (\d+)/i.exec(text)![1])) {
        s.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    s.on('data', onData);
    s.write(`GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe('connections', () => {
  it(
    `${IDLE} idle keep-alive connections and ${SLOW} slowloris clients do not stop a good client`,
    async () => {
      // Idle keep-alive: each has made one request and now holds its socket open.
      for (let batch = 0; batch < IDLE; batch += 100) {
        const opened = await Promise.all(Array.from({ length: 100 }, () => open()));
        expect(await Promise.all(opened.map(ping))).toEqual(opened.map(() => 200));
      }
      // Slowloris: half of them dribble header bytes, half send headers and then a body a byte at a time. Each records
      // what the server sends it and when the server closes it.
      const slow: Array<{ kind: string; answer: string; closed: Promise<void> }> = [];
      for (let i = 0; i < SLOW; i += 1) {
        const s = await open();
        const client = { kind: i % 2 === 0 ? 'headers' : 'body', answer: '', closed: new Promise<void>((r) => s.once('close', () => r())) };
        s.on('data', (c: Buffer) => (client.answer += c.toString('latin1')));
        slow.push(client);
        if (i % 2 === 0) {
          s.write('POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n');
          timers.push(setInterval(() => s.writable && s.write('X-a: b\r\n'), 200));
        } else {
          s.write('POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
          timers.push(setInterval(() => s.writable && s.write(' '), 200));
        }
      }
      await new Promise((r) => setTimeout(r, 1_000));

      // A good client, on fresh connections, is served at once: health, a prediction and the v2 path.
      for (let i = 0; i < 20; i += 1) {
        const r = await fetch(`${server.url}/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] }),
          signal: AbortSignal.timeout(10_000),
        });
        expect(r.status).toBe(200);
        await r.text();
      }
      expect((await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);

      // The slow clients are cut off: each is answered 408 and closed by the server, past the header timeout (headers)
      // or the request timeout (body), while it is still sending. (Bounded wait: a server that never cuts them off fails.)
      await within(Promise.all(slow.map((c) => c.closed)), TIMEOUTS.requestMs + 20_000, 'the server closing every slow client');
      expect(slow.map((c) => `${c.kind}: ${c.answer.split('\r\n')[0]}`)).toEqual(slow.map((c) => `${c.kind}: HTTP/1.1 408 Request Timeout`));

      // The idle sockets were kept, and answer again.
      const alive = sockets.slice(0, IDLE).filter((s) => !s.destroyed);
      expect(alive.length).toBe(IDLE);
      expect((await Promise.all(alive.slice(0, 50).map(ping))).every((s) => s === 200)).toBe(true);
      expect(server.proc.exitCode).toBeNull();
    },
    tortureTimeout(300_000, 90_000),
  );

  it('an idle keep-alive socket is closed by the server once idle for keepAliveTimeout (1 s here)', async () => {
    const short = await startServer({ timeouts: { keepAliveMs: 1_000 } });
    const s = await open(short.runtime.port as number);
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    expect(await ping(s)).toBe(200);
    // Bounded wait: a socket still open 20 s later was not closed by the keep-alive timeout.
    await within(closed, 20_000, 'the server closing the idle socket');
    expect(short.proc.exitCode).toBeNull();
  }, 60_000);
});
