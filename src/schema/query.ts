import { builder } from './builder.js';

builder.queryType({
  description: 'Reads of the upstream runs API: runs, their steps and messages, threads and assistants. Each domain file adds its own fields.',
});
