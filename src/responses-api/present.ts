/**
 * What a client is shown of an object: file search results and code interpreter outputs only when
 * `include` asks for them (`file_search_call.results`, `code_interpreter_call.outputs`), as the
 * real API does; they are `null` otherwise. Returns a copy; the stored object is not changed.
 */
export function present<T>(value: T, include: ReadonlySet<string>): T {
  const copy = structuredClone(value);
  hide(copy, include.has('file_search_call.results'), include.has('code_interpreter_call.outputs'));
  return copy;
}

function hide(node: unknown, fileSearchResults: boolean, codeOutputs: boolean): void {
  if (Array.isArray(node)) {
    for (const item of node) hide(item, fileSearchResults, codeOutputs);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const object = node as Record<string, unknown>;
  if (object['type'] === 'file_search_call' && !fileSearchResults && 'results' in object) object['results'] = null;
  if (object['type'] === 'code_interpreter_call' && !codeOutputs && 'outputs' in object) object['outputs'] = null;
  for (const value of Object.values(object)) hide(value, fileSearchResults, codeOutputs);
}
