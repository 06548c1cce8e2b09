import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Settings are declared once: environment variable, type with its default, and meaning. The typed config,
 * its validation and the README's settings tables (`npm run settings:docs`) all come from the declarations.
 */
export interface Setting<T> {
  readonly env: string;
  readonly schema: z.ZodType<T>;
  /** The README's "default" column. */
  readonly shown: string;
  readonly meaning: string;
  /** Never printed, not even in a validation error. */
  readonly secret: boolean;
}

export interface SettingOptions {
  /** The README's "default" column when the schema's default does not say it (e.g. "on in development"). */
  shown?: string;
  secret?: boolean;
}

export function setting<S extends z.ZodType>(env: string, schema: S, meaning: string, options: SettingOptions = {}): Setting<z.output<S>> {
  return { env, schema: schema as z.ZodType<z.output<S>>, shown: options.shown ?? shownDefault(schema), meaning, secret: options.secret ?? false };
}

/** A group of settings, nested as the config section it produces. */
export type Declarations = { readonly [key: string]: Setting<unknown> | Declarations };

/** The values a group of declarations produces. */
export type SettingsOf<D> = { -readonly [K in keyof D]: D[K] extends Setting<infer T> ? T : SettingsOf<D[K]> };

/** A README settings table: its heading and the groups whose settings it lists, in order. */
export interface SettingsTable {
  readonly title: string;
  readonly groups: readonly Declarations[];
}

/** Thrown for a bad setting; entry points print it and exit before anything listens. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates every setting of `declarations`; all problems are reported at once. */
export function readSettings<D extends Declarations>(declarations: D, env: Env): SettingsOf<D> {
  const problems: string[] = [];
  const values = readGroup(declarations, env, problems);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return values as SettingsOf<D>;
}

function readGroup(group: Declarations, env: Env, problems: string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, declaration] of Object.entries(group)) {
    if (!isSetting(declaration)) {
      values[key] = readGroup(declaration, env, problems);
      continue;
    }
    const raw = env[declaration.env];
    const parsed = declaration.schema.safeParse(raw === '' ? undefined : raw);
    if (parsed.success) {
      values[key] = parsed.data;
      continue;
    }
    const shownValue = declaration.secret ? '(hidden)' : JSON.stringify(raw);
    for (const issue of parsed.error.issues) problems.push(`  ${declaration.env}=${shownValue}: ${issue.message}`);
  }
  return values;
}

function isSetting(value: Setting<unknown> | Declarations): value is Setting<unknown> {
  return typeof value.env === 'string' && 'schema' in value;
}

export function settingsIn(group: Declarations): Setting<unknown>[] {
  return Object.values(group).flatMap((declaration) => (isSetting(declaration) ? [declaration] : settingsIn(declaration)));
}

/** The README's tables, as `npm run settings:docs` writes them. */
export function renderSettingsTable(table: SettingsTable): string {
  const rows = table.groups.flatMap(settingsIn).map((s) => `| \`${s.env}\` | ${s.shown} | ${s.meaning} |`);
  return ['| name | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

function shownDefault(schema: z.ZodType): string {
  if (schema instanceof z.ZodDefault) {
    const value: unknown = schema.def.defaultValue;
    if (Array.isArray(value)) return value.length === 0 ? 'none' : `\`${value.join(',')}\``;
    if (value !== null && typeof value === 'object') return Object.keys(value).length === 0 ? 'none' : `\`${JSON.stringify(value)}\``;
    return `\`${String(value)}\``;
  }
  return 'unset';
}

// The types settings are read as. Environment values are strings; an empty one counts as unset.

export const port = z.coerce.number().int().min(0).max(65_535);
export const positiveInt = z.coerce.number().int().positive();
export const nonNegativeInt = z.coerce.number().int().min(0);
export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));
export const url = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL')
  .transform((value) => value.replace(/\/+$/, ''));
export const redisUrl = z
  .string()
  .url()
  .refine((value) => /^rediss?:\/\//.test(value), 'must be a redis:// or rediss:// URL');

/** `k=v,k2=v2` or a JSON object of strings. */
export const stringMap = z.string().transform((value, ctx): Record<string, string> => {
  const text = value.trim();
  if (text === '') return {};
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string')) {
        return parsed as Record<string, string>;
      }
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object of strings or k=v,k2=v2' });
    return z.NEVER;
  }
  const entries: Array<[string, string]> = [];
  for (const pair of text.split(',')) {
    const index = pair.indexOf('=');
    if (index <= 0) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" is not k=v` });
      return z.NEVER;
    }
    entries.push([pair.slice(0, index).trim(), pair.slice(index + 1).trim()]);
  }
  return Object.fromEntries(entries);
});

export const list = z.string().transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item !== ''));

export interface ApiKeyEntry {
  subject: string;
  /** sha256 of the key; the key itself is not kept. */
  keyHash: Buffer;
}

const SUBJECT = /^[\w.@-]{1,128}$/;

/** `subject:key,…`: the keys are hashed at once, so no plain key outlives parsing. */
export const apiKeys = z.string().transform((value, ctx): ApiKeyEntry[] => {
  const entries: ApiKeyEntry[] = [];
  for (const pair of value.split(',').map((item) => item.trim()).filter((item) => item !== '')) {
    const index = pair.indexOf(':');
    const subject = pair.slice(0, Math.max(index, 0));
    const key = pair.slice(index + 1);
    if (index <= 0 || !SUBJECT.test(subject)) {
      ctx.addIssue({ code: 'custom', message: `entry ${entries.length + 1} is not subject:key (subject: 1-128 of A-Z a-z 0-9 _ . @ -)` });
      return z.NEVER;
    }
    if (key.length < 16) {
      ctx.addIssue({ code: 'custom', message: `the key of "${subject}" must be at least 16 characters long` });
      return z.NEVER;
    }
    entries.push({ subject, keyHash: createHash('sha256').update(key).digest() });
  }
  return entries;
});

const TABLE_BLOCK = /<!-- settings: (.+?) -->\n[\s\S]*?<!-- \/settings -->/g;

/** The README with every `<!-- settings: Title -->` … `<!-- /settings -->` block written from the declarations. */
export function withSettingsTables(readme: string, tables: readonly SettingsTable[]): string {
  const byTitle = new Map(tables.map((table) => [table.title, table]));
  const written = new Set<string>();
  const result = readme.replace(TABLE_BLOCK, (_block, title: string) => {
    const table = byTitle.get(title);
    if (!table) throw new Error(`README has a settings table "${title}" that the config does not declare`);
    written.add(title);
    return `<!-- settings: ${title} -->\n${renderSettingsTable(table)}\n<!-- /settings -->`;
  });
  const missing = tables.filter((table) => !written.has(table.title)).map((table) => table.title);
  if (missing.length > 0) throw new Error(`README lacks the settings tables ${missing.join(', ')}`);
  return result;
}
