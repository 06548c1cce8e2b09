import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One copy of graphql for every importer, or "another module or realm" errors appear. Dependencies
    // (Pothos, yoga, graphql-ws) are externalised and get graphql's CommonJS entry from Node, so the
    // project's own files must resolve to that same file, not to index.mjs.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
