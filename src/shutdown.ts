/** What `onShutdown` needs of the process (tests pass their own). */
export interface ShutdownProcess {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  exit(code: number): void;
}

export interface ShutdownOptions {
  /** If the steps have not finished by then, the process exits with code 1 anyway. */
  forceAfterMs: number;
  /** Where the "shutting down" line goes. */
  log?: (line: string) => void;
  process?: ShutdownProcess;
}

/**
 * The entry points' stop: on the first SIGINT or SIGTERM, runs `steps` one after another (each awaited, so that
 * what serves requests closes before what those requests still use), then exits 0, or 1 if a step fails or they
 * take longer than `forceAfterMs`. Later signals are ignored: with `npm start`, a signal to the whole process group
 * reaches the gateway twice (once directly and once forwarded by npm), and that must not cut the drain short.
 */
export function onShutdown(steps: ReadonlyArray<() => Promise<unknown> | unknown>, options: ShutdownOptions): void {
  const target = options.process ?? process;
  const log = options.log ?? ((line: string) => console.log(line));
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    const forced = setTimeout(() => {
      log(`shutdown: still not done after ${options.forceAfterMs} ms, exiting`);
      target.exit(1);
    }, options.forceAfterMs);
    forced.unref();
    void (async () => {
      for (const step of steps) await step();
    })().then(
      () => {
        clearTimeout(forced);
        target.exit(0);
      },
      (error: unknown) => {
        clearTimeout(forced);
        log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        target.exit(1);
      },
    );
  };
  target.on('SIGINT', () => stop('SIGINT'));
  target.on('SIGTERM', () => stop('SIGTERM'));
}
