#!/usr/bin/env node
/**
 * `npm run build`: bundles the three entry points into dist/ with esbuild (ES modules, code splitting, source
 * maps) and copies beside them the files the code reads at run time (the normalised specs, the console's page
 * assets). No type check here: that is `npm run typecheck` (and `npm test`). Plain JavaScript, so that it runs
 * before anything is compiled.
 *
 * Why a bundle: measured on 2 cores (BENCHMARKS.md, footprint), the gateway's start-up is mostly module loading;
 * tsc's one-file-per-module output took ~1.6 s of CPU to /health, the bundle ~0.6 s.
 *
 * Every output file is at the top of dist/ (entries and chunks alike) and the assets are copied there too, flat:
 * code finds its assets next to itself (`new URL('./index.html', import.meta.url)`, `require('./runs-api.openapi.json')`),
 * whichever chunk it ends up in.
 *
 * `--if-stale` builds only when dist/ is missing or older than a source file or a build setting: what `npm start`
 * and the other start scripts run first, so a checkout changed since its last build starts what it holds.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
/** Written last, after a build that succeeded: its time is the build's. */
const stamp = join(dist, '.build-stamp');
const settingsFiles = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs'].map((name) => join(root, name));

const ENTRY_POINTS = {
  index: 'src/index.ts',
  'runs-api': 'src/runs-api/main.ts',
  'responses-api': 'src/responses-api/main.ts',
};

/**
 * Left in node_modules and loaded from there: native addons and optional native helpers, and the libraries of
 * features that are off by default (Redis, tracing, GraphiQL), which the code loads only when they are switched on.
 */
const EXTERNAL = ['classic-level', 'pg-native', 'bufferutil', 'utf-8-validate', 'ioredis', '@opentelemetry/*', '@graphql-yoga/render-graphiql', 'esbuild'];

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Files of src/ the code reads at run time: everything but TypeScript and the documentation beside it. */
const assets = () => filesUnder(src).filter((path) => !path.endsWith('.ts') && !path.endsWith('.md'));

function stale() {
  if (!existsSync(stamp)) return 'dist/ has not been built';
  // A deployment that ships dist/ without the sources.
  if (!existsSync(src)) return undefined;
  const built = statSync(stamp).mtimeMs;
  const newer = [...filesUnder(src), ...settingsFiles].find((path) => existsSync(path) && statSync(path).mtimeMs > built);
  return newer ? `${relative(root, newer)} changed since the last build` : undefined;
}

async function bundle() {
  const require = createRequire(import.meta.url);
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    console.error('build: esbuild is not installed (a devDependency: run npm ci without --omit=dev, or build where it is installed and ship dist/)');
    process.exit(1);
  }
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ENTRY_POINTS,
    outdir: dist,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    external: EXTERNAL,
    chunkNames: 'chunk-[hash]',
    // CommonJS dependencies in an ES module bundle call require() for Node's built-ins and the external packages.
    banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

function copyAssets() {
  const seen = new Map();
  for (const path of assets()) {
    const name = basename(path);
    if (seen.has(name)) throw new Error(`build: two assets named ${name} (${relative(root, seen.get(name))}, ${relative(root, path)}); dist/ is flat`);
    seen.set(name, path);
    copyFileSync(path, join(dist, name));
  }
}

/**
 * One build at a time: e2e tests start several `npm start`s at once, and each checks the build first. The others
 * wait for the lock, then find dist/ fresh. A lock older than LOCK_STALE_MS is from a build that died.
 */
const lock = join(root, '.build-lock');
const LOCK_STALE_MS = 120_000;
function acquireLock() {
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    let age = 0;
    try {
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue;
    }
    if (age > LOCK_STALE_MS || Date.now() > deadline) rmSync(lock, { recursive: true, force: true });
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}

const ifStale = process.argv.includes('--if-stale');
if (ifStale && stale() === undefined) process.exit(0);
acquireLock();
process.on('exit', () => rmSync(lock, { recursive: true, force: true }));
const reason = stale();
if (ifStale && reason === undefined) process.exit(0);
const started = performance.now();
if (ifStale) console.error(`build: ${reason}; building (npm run build)…`);
// From scratch each time: chunk names carry content hashes, and old chunks must not pile up.
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
try {
  await bundle();
  copyAssets();
} catch (error) {
  rmSync(dist, { recursive: true, force: true });
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
writeFileSync(stamp, `${new Date().toISOString()}\n`);
console.error(`build: dist/ built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
