// Concurrency: many mixed writers at once through the built `zenml` binary — register, update, stack register/set,
// flavor register/delete, deploy (distinct and identical), stop, delete with the `local` flavor and real daemons.
// Afterwards: no lost update (every writer's change is in the dotfile), no duplicate server (identical deploys leave
// one), no orphan process (every server process running is named by an active record); counts checked exactly.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fixture, readDotfile, type RunResult } from '../helpers/cli.js';
import { FULL, tortureTimeout } from './scale.js';
import { TortureProject } from './torture-project.js';

/** How many writers of each kind: 50 in all for `npm run torture`, 16 inside `npm test`. */
const MIX = FULL
  ? { register: 10, update: 6, stackRegister: 8, stackSet: 4, flavorRegister: 1, flavorDelete: 1, deploy: 6, deploySame: 6, stop: 4, remove: 4 }
  : { register: 3, update: 2, stackRegister: 2, stackSet: 1, flavorRegister: 1, flavorDelete: 1, deploy: 2, deploySame: 2, stop: 1, remove: 1 };
const WRITERS = Object.values(MIX).reduce((a, b) => a + b, 0);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The stacks the `stack set` writers set, in order; the last is `other` (the dotfile starts on `main`). */
const stackSetOrder = range(MIX.stackSet).map((i) => ((MIX.stackSet - 1 - i) % 2 === 0 ? 'other' : 'main'));

let project: TortureProject;
const ok = (args: string[]) => project.ok(args);
const json = <T = any>(args: string[]) => project.json<T>(args);
const deployArgs = (name: string) => project.deployArgs(name, 120);
/** Server processes for this project's state dir. */
const serverPids = () => [...project.serverProcesses().keys()].sort((a, b) => a - b);

/** The `stack set` writers in order, each started when the one before has exited; resolves with the last one's run. */
async function stackSets(): Promise<RunResult> {
  let last: RunResult | undefined;
  for (const stack of stackSetOrder) last = await ok(['stack', 'set', stack]);
  return last!;
}

beforeAll(() => {
  const updated = Object.fromEntries(range(MIX.update).map((i) => [`u${i}`, { flavor: 'local', settings: { stateDir: 'state' } }]));
  project = new TortureProject('zenml-torture-concurrent-', { deployers: updated, timeoutMs: 180_000 });
});

afterAll(() => project.cleanup());

describe('concurrent writers', () => {
  it(
    `${WRITERS} mixed writers at once: no lost update, no duplicate server, no orphan process`,
    async () => {
      await ok(['model-deployer', 'flavor', 'register', '--allow-outside', fixture('record-flavor.mjs')]);
      const stopTargets = [];
      for (const i of range(MIX.stop)) stopTargets.push(await json(deployArgs(`stop${i}`)));
      const removeTargets = [];
      for (const i of range(MIX.remove)) removeTargets.push(await json(deployArgs(`remove${i}`)));

      const writers: Array<Promise<RunResult>> = [
        ...range(MIX.register).map((i) => ok(['model-deployer', 'register', `w${i}`, '--flavor', 'local', '-c', 'stateDir=state'])),
        ...range(MIX.update).map((i) => ok(['model-deployer', 'update', `u${i}`, '-c', `workers=${i + 1}`])),
        ...range(MIX.stackRegister).map((i) => ok(['stack', 'register', `s${i}`, '-d', 'base'])),
        // The `stack set` writers run one after another (each starts when the one before has exited), beside all the
        // others: the last one's stack must be the active one, whatever the writers around them read and wrote.
        stackSets(),
        ...range(MIX.flavorRegister).map(() => ok(['model-deployer', 'flavor', 'register', '--allow-outside', fixture('record-flavor.ts')])),
        ...range(MIX.flavorDelete).map(() => ok(['model-deployer', 'flavor', 'delete', 'record-js'])),
        ...range(MIX.deploy).map((i) => ok(deployArgs(`d${i}`))),
        ...range(MIX.deploySame).map(() => ok(deployArgs('same'))),
        ...stopTargets.map((s) => ok(['model-deployer', 'stop', s.uuid, '--timeout', '60', '--deployer', 'base'])),
        ...removeTargets.map((s) => ok(['model-deployer', 'delete', s.uuid, '--timeout', '60', '--deployer', 'base'])),
      ];
      expect(writers).toHaveLength(WRITERS - MIX.stackSet + 1);
      const settled = await Promise.allSettled(writers);
      const failures = settled.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason).slice(0, 600));
      expect(failures).toEqual([]);

      // No lost update: every writer's change is in the dotfile.
      const dotfile = readDotfile(project.dir);
      for (const i of range(MIX.register)) expect(dotfile.modelDeployers[`w${i}`]).toEqual({ flavor: 'local', settings: { stateDir: 'state' } });
      for (const i of range(MIX.update)) expect(dotfile.modelDeployers[`u${i}`].settings).toEqual({ stateDir: 'state', workers: i + 1 });
      expect(Object.keys(dotfile.modelDeployers)).toHaveLength(1 + MIX.update + MIX.register);
      expect(Object.keys(dotfile.stacks).sort()).toEqual(['main', 'other', ...range(MIX.stackRegister).map((i) => `s${i}`)].sort());
      expect(dotfile.activeStack).toBe(stackSetOrder.at(-1));
      expect(Object.keys(dotfile.flavors ?? {})).toEqual(['record-ts']);

      // No duplicate server; stops and deletes all landed.
      const found = await json<any[]>(['model-deployer', 'find', '--deployer', 'base']);
      const byName = (name: string) => found.filter((s) => s.config?.serviceName === name || s.name === name || s.config?.name === name);
      expect(found).toHaveLength(MIX.deploy + 1 + MIX.stop);
      for (const i of range(MIX.deploy)) expect(byName(`d${i}`).map((s) => s.state)).toEqual(['active']);
      expect(byName('same').map((s) => s.state)).toEqual(['active']);
      for (const i of range(MIX.stop)) expect(byName(`stop${i}`).map((s) => s.state)).toEqual(['inactive']);
      for (const i of range(MIX.remove)) expect(byName(`remove${i}`)).toEqual([]);

      // No orphan: the server processes running are exactly those of the active records.
      const active = found.filter((s) => s.state === 'active').map((s) => Number(s.info.DAEMON_PID)).sort((a, b) => a - b);
      expect(active).toHaveLength(MIX.deploy + 1);
      let running = serverPids();
      for (let t = 0; t < 100 && running.length !== active.length; t += 1) {
        await new Promise((r) => setTimeout(r, 100));
        running = serverPids();
      }
      expect(running).toEqual(active);
      for (const s of found) await ok(['model-deployer', 'delete', s.uuid, '--timeout', '30', '--yes', '--deployer', 'base']);
      running = serverPids();
      for (let t = 0; t < 100 && running.length > 0; t += 1) {
        await new Promise((r) => setTimeout(r, 100));
        running = serverPids();
      }
      expect(running).toEqual([]);
      process.stderr.write(`concurrent-writers (${FULL ? 'full' : 'short'}): ${WRITERS} writers, ${found.length} servers found, ${active.length} active, 0 lost updates, 0 orphans\n`);
    },
    tortureTimeout(900_000, 300_000),
  );
});
