import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * One vitest project per folder of test/ (the tiers unit, operations, e2e; the suites security, cluster, browser,
 * runs-api; any folder added later), named after it: `vitest run --project unit` runs one alone, `vitest run` all.
 */
const TEST_ROOT = new URL('./test/', import.meta.url);
const NOT_A_PROJECT = new Set(['helpers']);
const TEST_PROJECTS = readdirSync(TEST_ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !NOT_A_PROJECT.has(entry.name))
  .map((entry) => entry.name)
  .sort();

export default defineConfig({
  resolve: {
    // One copy of graphql for every importer, or "another module or realm" errors appear. Dependencies
    // (Pothos, yoga, graphql-ws) are externalised and get graphql's CommonJS entry from Node, so the
    // project's own files must resolve to that same file, not to index.mjs.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      ...TEST_PROJECTS.map((name) => ({ extends: true as const, test: { name, include: [`test/${name}/**/*.test.ts`] } })),
      // The examples' own tests (examples/<example>/test): `vitest run --project examples`.
      { extends: true, test: { name: 'examples', include: ['examples/*/test/**/*.test.ts'] } },
    ],
  },
});
