import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('RUNS_ENGINE', () => {
  it('is simulated by default and when asked for', () => {
    expect(loadConfig({}).runsApi.engine).toBe('simulated');
    expect(loadConfig({ RUNS_ENGINE: 'simulated' }).runsApi.engine).toBe('simulated');
  });

  it('takes responses, the engine on the Responses API', () => {
    expect(loadConfig({ RUNS_ENGINE: 'responses' }).runsApi.engine).toBe('responses');
  });

  it.each(['Simulated', 'sqlite', 'Responses'])('refuses %s at start-up, naming what is accepted', (value) => {
    expect(() => loadConfig({ RUNS_ENGINE: value })).toThrow(ConfigError);
    expect(() => loadConfig({ RUNS_ENGINE: value })).toThrow(`RUNS_ENGINE="${value}": unknown engine "${value}"; accepted: "simulated", "responses"`);
  });
});
