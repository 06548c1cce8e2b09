import type { Schemas } from '../spec/index.js';
import { builder } from './builder.js';

/**
 * Refs of the node types and their connections, declared apart from their implementations
 * (run.ts, thread.ts, …) so that domain files can point at each other without import cycles.
 */
export const RunRef = builder.objectRef<Schemas['RunObject']>('RunObject');
export const ThreadRef = builder.objectRef<Schemas['ThreadObject']>('Thread');
export const AssistantRef = builder.objectRef<Schemas['AssistantObject']>('Assistant');
export const MessageRef = builder.objectRef<Schemas['MessageObject']>('Message');
export const RunStepRef = builder.objectRef<Schemas['RunStepObject']>('RunStep');

export const RunConnection = builder.connectionObject(
  { type: RunRef, name: 'RunConnection', description: 'A page of runs, in the upstream order.' },
  { name: 'RunEdge', description: 'A run and its cursor.' },
);
export const MessageConnection = builder.connectionObject(
  { type: MessageRef, name: 'MessageConnection', description: 'A page of messages, in the upstream order.' },
  { name: 'MessageEdge', description: 'A message and its cursor.' },
);
export const RunStepConnection = builder.connectionObject(
  { type: RunStepRef, name: 'RunStepConnection', description: 'A page of run steps, in the upstream order.' },
  { name: 'RunStepEdge', description: 'A run step and its cursor.' },
);
export const AssistantConnection = builder.connectionObject(
  { type: AssistantRef, name: 'AssistantConnection', description: 'A page of assistants, in the upstream order.' },
  { name: 'AssistantEdge', description: 'An assistant and its cursor.' },
);
