import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_SETTINGS, SETTINGS_TABLES, loadConfig } from '../../src/config.js';
import { settingsIn, withSettingsTables } from '../../src/settings.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('settings declared once', () => {
  it("README's settings tables are exactly what the declarations render (npm run settings:docs)", () => {
    expect(withSettingsTables(readme, SETTINGS_TABLES)).toBe(readme);
  });

  it('every declared setting is in exactly one table, and no name is declared twice', () => {
    const inTables = SETTINGS_TABLES.flatMap((table) => table.groups.flatMap(settingsIn)).map((s) => s.env);
    const declared = ALL_SETTINGS.map((s) => s.env);
    expect(new Set(declared).size).toBe(declared.length);
    expect([...inTables].sort()).toEqual([...declared].sort());
  });

  it('the default a table shows is the default the config applies', () => {
    const config = loadConfig({});
    expect(readme).toContain('| `UPSTREAM_TIMEOUT_MS` | `30000` |');
    expect(config.upstream.timeoutMs).toBe(30_000);
    expect(readme).toContain('| `UPSTREAM_AUTH_HEADER` | `authorization` |');
    expect(config.upstream.authHeader).toBe('authorization');
    expect(readme).toContain('| `WS_MAX_MESSAGE_BYTES` | `1048576` |');
    expect(config.ws.maxMessageBytes).toBe(1_048_576);
  });

  it('a table the config does not declare, or a missing one, is an error', () => {
    expect(() => withSettingsTables(`${readme}\n<!-- settings: Nowhere -->\n<!-- /settings -->\n`, SETTINGS_TABLES)).toThrow(/Nowhere/);
    expect(() => withSettingsTables(readme.replace('<!-- settings: Upstream -->', ''), SETTINGS_TABLES)).toThrow();
  });

  it('reports every bad setting at once and hides secret values', () => {
    expect(() => loadConfig({ PORT: 'x', UPSTREAM_TIMEOUT_MS: '-1', REDIS_URL: 'http://u:secret@host' })).toThrow(
      /PORT="x"[\s\S]*UPSTREAM_TIMEOUT_MS="-1"[\s\S]*REDIS_URL=\(hidden\)/,
    );
  });
});
