import { runInNewContext } from 'node:vm';
import { favicon, graphqlWorker } from '@graphql-yoga/render-graphiql/graphiql';
import { describe, expect, it } from 'vitest';
import { smallFavicon, splitPrettier } from '../../src/server/graphiql.js';

interface PrettierModules {
  init_standalone: () => void;
  standalone_exports: { format(source: string, options: { parser: string; plugins: unknown[] }): Promise<string> };
  require_graphql: () => unknown;
}

describe("GraphiQL's assets", () => {
  it("Prettier leaves the GraphQL worker for a script of its own that formats GraphQL by itself", async () => {
    const split = splitPrettier(graphqlWorker, 'prettier.test.js');
    expect(split).toBeDefined();
    const { worker, prettier } = split!;
    expect(worker.length).toBeLessThan(graphqlWorker.length - 150_000);
    expect(worker).not.toMatch(/node_modules\/prettier\//);
    // The worker imports the script (relative to its own URL) on its first Format Document, and only then.
    expect(worker).toContain('await import(new URL("prettier.test.js", self.location.href).href)');
    expect(worker).toContain('await loadPrettier().then(() => (init_standalone(), standalone_exports));');

    // The script alone, in a bare context as a worker has it and strict as a module is, gives the worker what it asks for.
    interface WorkerScope { self?: WorkerScope; __graphiqlPrettier?: PrettierModules }
    const scope: WorkerScope = {};
    scope.self = scope;
    runInNewContext(`'use strict';\n${prettier}`, scope);
    const modules = scope.__graphiqlPrettier!;
    modules.init_standalone();
    const formatted = await modules.standalone_exports.format('{ run(threadId: "t", runId: "r") { status } }', { parser: 'graphql', plugins: [modules.require_graphql()] });
    expect(formatted).toBe('{\n  run(threadId: "t", runId: "r") {\n    status\n  }\n}\n');
  });

  it('the favicon keeps one 32-pixel image of the six', () => {
    const ico = Buffer.from(favicon.replace(/^data:[^,]*;base64,/, ''), 'base64');
    const small = smallFavicon(ico);
    expect(ico.readUInt16LE(4)).toBeGreaterThan(1);
    expect(small.readUInt16LE(4)).toBe(1);
    expect([small[6], small[7]]).toEqual([32, 32]);
    const bytes = small.readUInt32LE(6 + 8);
    expect(small.readUInt32LE(6 + 12)).toBe(22);
    expect(small.length).toBe(22 + bytes);
    expect(small.length).toBeLessThan(ico.length / 10);
  });
});
