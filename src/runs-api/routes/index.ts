import type { RunsEngine } from '../engine.js';
import { assistantOperations } from './assistants.js';
import { messageOperations } from './messages.js';
import type { Operation } from './operation.js';
import { runOperations } from './runs.js';
import { stepOperations } from './steps.js';
import { threadOperations } from './threads.js';

export { EventStreamAnswer, type HandlerContext, type Operation } from './operation.js';

/** The spec's 23 operations, in match order; each calls the engine its request is served by (`HandlerContext.engine`). */
export function createOperations(): Operation[] {
  return [...assistantOperations(), ...threadOperations(), ...messageOperations(), ...runOperations(), ...stepOperations()];
}
