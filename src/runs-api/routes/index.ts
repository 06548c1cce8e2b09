import type { RunsEngine } from '../engine.js';
import { assistantOperations } from './assistants.js';
import { messageOperations } from './messages.js';
import type { Operation } from './operation.js';
import { runOperations } from './runs.js';
import { stepOperations } from './steps.js';
import { threadOperations } from './threads.js';

export { EventStreamAnswer, type HandlerContext, type Operation } from './operation.js';

/** The spec's 23 operations over an engine, in match order. */
export function createOperations(engine: RunsEngine): Operation[] {
  return [...assistantOperations(engine), ...threadOperations(engine), ...messageOperations(engine), ...runOperations(engine), ...stepOperations(engine)];
}
