import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Parts of BENCHMARKS.md that one script owns, between `<!-- name: written by … -->` and `<!-- /name -->`: each script
 * rewrites only its own, and `npm run bench`, which writes the rest of the file, keeps them all as they are.
 */
const OWNED = /<!-- ([\w-]+): written by [^>]*-->[\s\S]*?<!-- \/\1 -->/g;

/** Every owned section of `file`, in order, as they stand. */
export function ownedSections(file: string): string[] {
  if (!existsSync(file)) return [];
  return [...readFileSync(file, 'utf8').matchAll(OWNED)].map((match) => match[0]);
}

/** Replaces (or appends) the section `name` of `file` with `text`. */
export function writeOwnedSection(file: string, name: string, script: string, text: string): void {
  const start = `<!-- ${name}: written by ${script} -->`;
  const end = `<!-- /${name} -->`;
  const section = `${start}\n${text.replace(/\n*$/, '\n')}${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = current.indexOf(`<!-- ${name}: written by `);
  const endAt = current.indexOf(end);
  const next = at >= 0 && endAt > at ? `${current.slice(0, at)}${section}${current.slice(endAt + end.length)}` : `${current.replace(/\n*$/, '\n\n')}${section}\n`;
  writeFileSync(file, next);
}
