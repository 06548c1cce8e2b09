/** Reads a V8 .cpuprofile and says where the time went: by function (self and inclusive) and by package. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of samples that were not idle. */
  busyShare: number;
  bySelf: Array<{ name: string; share: number }>;
  byInclusive: Array<{ name: string; share: number }>;
  byPackage: Array<{ name: string; share: number }>;
}

function where(url: string): string {
  if (url === '') return '';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (modules) return `${modules[1]}/${modules[2]!.split('/').slice(-1)[0]}`;
  const src = /\/(src|bench)\/(.*)$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith('node:')) return url;
  return url.split('/').slice(-1)[0] ?? url;
}

function packageOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules) return modules[1]!;
  const src = /\/(src|bench)\/([^/]+)/.exec(url);
  if (src) return `${src[1]}/${src[2]!.replace(/\.ts$/, '')}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url;
}

const label = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${where(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`.trim();

export function summarizeProfile(path: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // Self time per node from the sample timeline (more exact than hitCount × interval).
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  const idle = [...self.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle || 1;

  const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);
  const selfByName = new Map<string, number>();
  const selfByPackage = new Map<string, number>();
  for (const [id, time] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    add(selfByName, label(node), time);
    add(selfByPackage, packageOf(node), time);
  }
  // Inclusive: each node's subtree, counted once per name on a stack (recursion is not counted twice).
  const inclusive = new Map<string, number>();
  const subtree = (id: number, onPath: Map<string, number>): number => {
    const node = byId.get(id)!;
    const name = label(node);
    let sum = self.get(id) ?? 0;
    onPath.set(name, (onPath.get(name) ?? 0) + 1);
    for (const child of node.children ?? []) sum += subtree(child, onPath);
    const depth = onPath.get(name)! - 1;
    if (depth === 0) onPath.delete(name);
    else onPath.set(name, depth);
    if (depth === 0 && !name.startsWith('(')) add(inclusive, name, sum);
    return sum;
  };
  const root = profile.nodes[0]!;
  subtree(root.id, new Map());

  const ranked = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, time]) => ({ name, share: time / busy }));
  return {
    totalMs: total / 1000,
    busyShare: busy / total,
    bySelf: ranked(selfByName, top),
    byInclusive: ranked(inclusive, top * 2),
    byPackage: ranked(selfByPackage, top),
  };
}
