/**
 * The build step of the browser tools' static files (`npm run assets:build`, also run on install): GraphiQL's and the
 * console's assets (GraphiQL's Monaco workers minified first) compressed at brotli's highest quality and gzip -9 into node_modules/.cache, where gateways
 * read them at start-up instead of compressing at a faster, larger setting. Safe to run again: only missing files
 * are written.
 */
import { performance } from 'node:perf_hooks';
import { consoleAssets } from '../src/server/console/index.js';
import { graphiqlPage } from '../src/server/graphiql.js';
import { buildCompressedCache, COMPRESSED_CACHE_DIR } from '../src/server/static-assets.js';

const started = performance.now();
const cpu = process.cpuUsage();
const { assets, page } = await graphiqlPage();
const { written, kept } = await buildCompressedCache([...assets.all(), page, ...consoleAssets().all()]);
const used = process.cpuUsage(cpu);
console.log(
  `static assets: ${written} compressed, ${kept} already there, in ${COMPRESSED_CACHE_DIR} ` +
    `(${((performance.now() - started) / 1000).toFixed(1)} s, ${((used.user + used.system) / 1e6).toFixed(1)} s CPU)`,
);
