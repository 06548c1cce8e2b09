/** One row of a heap census: live objects of one constructor (objects, closures) or kind (strings, code, arrays…). */
export interface CensusRow {
  name: string;
  count: number;
  bytes: number;
}

export interface HeapCensus {
  totalBytes: number;
  /** Rows by name, in no particular order. */
  byName: Map<string, CensusRow>;
  /** Single objects of at least `largeBytes`, named as a reader would recognise them. */
  large: CensusRow[];
}

/** The census of a V8 .heapsnapshot (its JSON text): what the footprint and fan-out benches report. */
export function heapCensus(text: string, largeBytes = 64 * 1024): HeapCensus {
  const snapshot = JSON.parse(text) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const byName = new Map<string, CensusRow>();
  const large: CensusRow[] = [];
  let totalBytes = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!]!;
    const rawName = snapshot.strings[snapshot.nodes[i + nameAt]!] ?? '';
    const bytes = snapshot.nodes[i + sizeAt]!;
    totalBytes += bytes;
    const name = type === 'object' || type === 'closure' ? `${type === 'closure' ? 'ƒ ' : ''}${rawName}` : `(${type})`;
    const row = byName.get(name) ?? { name, count: 0, bytes: 0 };
    row.count += 1;
    row.bytes += bytes;
    byName.set(name, row);
    if (bytes >= largeBytes) {
      const shown = type === 'string' || type === 'concatenated string' ? `string "${rawName.slice(0, 40).replace(/\s+/g, ' ').replace(/\|/g, '\\|')}…"` : `${name}${type === 'code' || type === 'hidden' ? ` ${rawName.slice(0, 40)}` : ''}`;
      large.push({ name: shown, count: 1, bytes });
    }
  }
  return { totalBytes, byName, large };
}
