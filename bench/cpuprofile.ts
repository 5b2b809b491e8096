/** Summaries of a V8 .cpuprofile (as `node --cpu-prof` writes it): where the self and total time went. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { round } from './stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One row of a top list. */
export interface ProfileEntry {
  name: string;
  ms: number;
  percent: number;
}

/** What one profile shows. */
export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Self time by function (name, file:line). */
  topSelf: ProfileEntry[];
  /** Self time by package / area (npm package, node internals, our dist files, GC). */
  byArea: ProfileEntry[];
  /** Total (self + callees) time of our own functions (dist/). */
  topOwnTotal: ProfileEntry[];
}

/** `dist/services/service-store.js`, `npm:zod`, `node:internal/modules`, or the V8 pseudo-frame. */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName || '(anonymous)';
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = clean.slice(nm + '/node_modules/'.length).split('/');
    return `npm:${parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  if (clean.startsWith('node:')) return clean.split('/').slice(0, 3).join('/');
  const dist = clean.lastIndexOf('/dist/');
  if (dist >= 0) return clean.slice(dist + 1);
  const bin = clean.lastIndexOf('/bin/');
  if (bin >= 0) return clean.slice(bin + 1);
  return path.basename(clean);
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (!url) return functionName || '(anonymous)';
  return `${functionName || '(anonymous)'} ${areaOf(url, functionName)}:${lineNumber + 1}`;
}

function top(map: Map<string, number>, totalMs: number, n: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: round(us / 1000, 1), percent: round((100 * us) / 1000 / totalMs, 1) }));
}

/** Read and summarise one profile. */
export function summarizeProfile(file: string, n = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const area = new Map<string, number>();
  const ownTotal = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const node = byId.get(id);
    if (!node) return;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + us);
    const a = areaOf(node.callFrame.url, node.callFrame.functionName);
    area.set(a, (area.get(a) ?? 0) + us);
    // Total time: every distinct own frame on the stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur);
      if (!frame || !/\/(dist|bin)\//.test(frame.callFrame.url)) continue;
      const fname = frameName(frame);
      if (seen.has(fname)) continue;
      seen.add(fname);
      ownTotal.set(fname, (ownTotal.get(fname) ?? 0) + us);
    }
  });
  const totalMs = total / 1000;
  return { file, totalMs: round(totalMs, 1), topSelf: top(self, totalMs, n), byArea: top(area, totalMs, n), topOwnTotal: top(ownTotal, totalMs, n) };
}
