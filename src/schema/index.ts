import { builder } from './builder.js';
import './scalars.js';
import './query.js';
import './tools.js';
import './run.js';
import './run-step.js';
import './thread.js';
import './message.js';
import './assistant.js';
import './viewer.js';
import './subscriptions.js';
import './upstream-threads.js';

export const schema = builder.toSchema();
