// `npm run settings:docs` writes README's settings tables from the declarations in src/config.ts;
// `--check` exits 1 when README differs (test/unit/settings-docs.test.ts holds the same).
import { readFileSync, writeFileSync } from 'node:fs';
import { SETTINGS_TABLES } from '../src/config.js';
import { withSettingsTables } from '../src/settings.js';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const written = withSettingsTables(readme, SETTINGS_TABLES);
if (process.argv.includes('--check')) {
  if (written !== readme) {
    console.error('README.md settings tables are stale: run npm run settings:docs');
    process.exit(1);
  }
} else if (written !== readme) {
  writeFileSync(path, written);
  console.log('README.md settings tables written');
}
