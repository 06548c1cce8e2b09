/** The HTTP kit both embedded servers (runs API, Responses API) are built from. */
export * from './clock.js';
export * from './errors.js';
export * from './event-channel.js';
export * from './faults.js';
export * from './fault-gate.js';
export * from './http.js';
export * from './list-query.js';
export * from './listen.js';
export * from './routing.js';
export * from './server.js';
export * from './sse.js';
export * from './start.js';
