import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  assertValidWrite,
  idempotencyKeyViolations,
  includeViolations,
  toFieldPath,
  writeViolations,
  type WireBody,
} from '../../src/writes/validate.js';

const run = (extra: Record<string, unknown>) => ({ assistant_id: 'asst_1', ...extra }) as WireBody<'CreateRunRequest'>;
const fields = (violations: Array<{ field: string }>) => violations.map((violation) => violation.field);
const tools = (count: number) => Array.from({ length: count }, () => ({ type: 'code_interpreter' as const }));
const metadata = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, 'v']));

describe('writeViolations: limits of the create-run request', () => {
  it('accepts a full valid request', () => {
    const body = run({
      model: 'gpt-4o',
      instructions: 'Be brief.',
      additional_instructions: 'Really.',
      additional_messages: [{ role: 'user', content: 'hi', metadata: { a: 'b' }, attachments: [{ file_id: 'file_1', tools: [{ type: 'file_search' }] }] }],
      tools: [
        { type: 'code_interpreter' },
        { type: 'file_search', file_search: { max_num_results: 50, ranking_options: { ranker: 'auto', score_threshold: 0.5 } } },
        { type: 'function', function: { name: 'get_weather', description: 'd', parameters: { type: 'object' }, strict: true } },
      ],
      metadata: metadata(16),
      temperature: 2,
      top_p: 0,
      max_prompt_tokens: 256,
      max_completion_tokens: 256,
      truncation_strategy: { type: 'last_messages', last_messages: 3 },
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'answer-v1', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'low',
    });
    expect(writeViolations('CreateRunRequest', body)).toEqual([]);
  });

  it.each([
    ['temperature above 2', { temperature: 2.01 }, 'input.temperature', 'input.temperature must be at most 2'],
    ['temperature below 0', { temperature: -0.1 }, 'input.temperature', 'input.temperature must be at least 0'],
    ['top_p above 1', { top_p: 1.5 }, 'input.topP', 'input.topP must be at most 1'],
    ['top_p below 0', { top_p: -1 }, 'input.topP', 'input.topP must be at least 0'],
    ['max_prompt_tokens below 256', { max_prompt_tokens: 255 }, 'input.maxPromptTokens', 'input.maxPromptTokens must be at least 256'],
    ['max_completion_tokens below 256', { max_completion_tokens: 10 }, 'input.maxCompletionTokens', 'input.maxCompletionTokens must be at least 256'],
    ['more than 20 tools', { tools: tools(21) }, 'input.tools', 'input.tools must have at most 20 items'],
    ['17 metadata pairs', { metadata: metadata(17) }, 'input.metadata', 'input.metadata must have at most 16 entries'],
    ['a metadata value over 512', { metadata: { note: 'x'.repeat(513) } }, 'input.metadata.note', 'input.metadata.note must be at most 512 characters long'],
    ['a metadata key over 64', { metadata: { ['k'.repeat(65)]: 'v' } }, `input.metadata.${'k'.repeat(65)}`, `input.metadata key "${'k'.repeat(20)}…" must be at most 64 characters long`],
    ['truncation last_messages 0', { truncation_strategy: { type: 'last_messages', last_messages: 0 } }, 'input.truncationStrategy.lastMessages', 'input.truncationStrategy.lastMessages must be at least 1'],
    ['file search max results 51', { tools: [{ type: 'file_search', file_search: { max_num_results: 51 } }] }, 'input.tools[0].fileSearch.maxNumResults', 'input.tools[0].fileSearch.maxNumResults must be at most 50'],
    ['score threshold above 1', { tools: [{ type: 'file_search', file_search: { ranking_options: { score_threshold: 2 } } }] }, 'input.tools[0].fileSearch.rankingOptions.scoreThreshold', 'input.tools[0].fileSearch.rankingOptions.scoreThreshold must be at most 1'],
    ['unknown reasoning effort', { reasoning_effort: 'huge' }, 'input.reasoningEffort', 'input.reasoningEffort must be one of: none, minimal, low, medium, high, xhigh, max'],
    ['a function without a name', { tools: [{ type: 'function', function: {} }] }, 'input.tools[0].function.name', 'input.tools[0].function.name is required'],
    ['additional message with no content parts', { additional_messages: [{ role: 'user', content: [] }] }, 'input.additionalMessages[0].content', 'input.additionalMessages[0].content must have at least 1 item'],
    ['additional message image URL that is no URL', { additional_messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'not a url' } }] }] }, 'input.additionalMessages[0].content[0].imageUrl.url', 'input.additionalMessages[0].content[0].imageUrl.url must be a valid absolute URL'],
    ['additional message metadata over 16', { additional_messages: [{ role: 'user', content: 'x', metadata: metadata(17) }] }, 'input.additionalMessages[0].metadata', 'input.additionalMessages[0].metadata must have at most 16 entries'],
  ])('rejects %s, naming the GraphQL field', (_name, extra, field, message) => {
    const violations = writeViolations('CreateRunRequest', run(extra));
    expect(violations).toEqual([{ field, message }]);
  });

  it('names a missing assistant id', () => {
    expect(writeViolations('CreateRunRequest', {} as WireBody<'CreateRunRequest'>)).toEqual([{ field: 'input.assistantId', message: 'input.assistantId is required' }]);
  });

  it('reports every violation, first one in extensions.field', () => {
    try {
      assertValidWrite('CreateRunRequest', run({ temperature: 3, top_p: 2, metadata: metadata(17) }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GraphQLError);
      const e = error as GraphQLError;
      expect(e.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.metadata' });
      expect(fields(e.extensions['violations'] as Array<{ field: string }>).sort()).toEqual(['input.metadata', 'input.temperature', 'input.topP']);
      expect(e.message).toContain('input.temperature must be at most 2');
      expect(e.message).toContain('input.topP must be at most 1');
    }
  });

  it('keeps only the branch a tool meant (its type), not every oneOf branch', () => {
    expect(writeViolations('CreateRunRequest', run({ tools: [{ type: 'file_search', file_search: { max_num_results: 99 } }] }))).toEqual([
      { field: 'input.tools[0].fileSearch.maxNumResults', message: 'input.tools[0].fileSearch.maxNumResults must be at most 50' },
    ]);
  });

  it('merges the branches of a type no branch accepts into one message', () => {
    expect(writeViolations('CreateRunRequest', run({ tools: [{ type: 'web_search' }] }))).toEqual([
      { field: 'input.tools[0].type', message: 'input.tools[0].type must be one of: code_interpreter, file_search, function' },
    ]);
  });

  it('keeps user-data keys verbatim and quotes the odd ones', () => {
    expect(fields(writeViolations('CreateRunRequest', run({ metadata: { 'a/b~c': 'x'.repeat(600), snake_key: 'y'.repeat(600) } })))).toEqual([
      'input.metadata["a/b~c"]',
      'input.metadata.snake_key',
    ]);
  });
});

describe('writeViolations: rules the spec states only in prose', () => {
  it.each([
    ['function name with a space', { tools: [{ type: 'function', function: { name: 'get weather' } }] }, 'input.tools[0].function.name'],
    ['function name over 64', { tools: [{ type: 'function', function: { name: 'f'.repeat(65) } }] }, 'input.tools[0].function.name'],
    ['response format schema name with a dot', { response_format: { type: 'json_schema', json_schema: { name: 'a.b' } } }, 'input.responseFormat.jsonSchema.name'],
    ['tool choice function without a name', { tool_choice: { type: 'function' } }, 'input.toolChoice.function.name'],
    ['last_messages truncation without a count', { truncation_strategy: { type: 'last_messages' } }, 'input.truncationStrategy.lastMessages'],
    ['an attachment without file id', { additional_messages: [{ role: 'user', content: 'x', attachments: [{ tools: [{ type: 'code_interpreter' }] }] }] }, 'input.additionalMessages[0].attachments[0].fileId'],
  ])('rejects %s', (_name, extra, field) => {
    expect(fields(writeViolations('CreateRunRequest', run(extra)))).toEqual([field]);
  });

  it('checks the thread of createThreadAndRun, with its own paths', () => {
    const body = {
      assistant_id: 'asst_1',
      thread: { messages: [{ role: 'user', content: 'x', metadata: { ['k'.repeat(70)]: 'v' } }], metadata: metadata(20) },
      tools: [{ type: 'function', function: { name: 'bad name' } }],
    } as WireBody<'CreateThreadAndRunRequest'>;
    expect(fields(writeViolations('CreateThreadAndRunRequest', body)).sort()).toEqual([
      'input.thread.messages[0].metadata.' + 'k'.repeat(70),
      'input.thread.metadata',
      'input.tools[0].function.name',
    ]);
  });

  it('checks the chunk overlap of a vector store created with a thread', () => {
    const body = {
      tool_resources: { file_search: { vector_stores: [{ chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 800, chunk_overlap_tokens: 401 } } }] } },
    } as WireBody<'CreateThreadRequest'>;
    expect(writeViolations('CreateThreadRequest', body)).toEqual([
      {
        field: 'input.toolResources.fileSearch.vectorStores[0].chunkingStrategy.static.chunkOverlapTokens',
        message: 'input.toolResources.fileSearch.vectorStores[0].chunkingStrategy.static.chunkOverlapTokens must be at most half of the chunk size (400)',
      },
    ]);
  });

  it('checks code interpreter files on a thread (≤ 20)', () => {
    const body = { tool_resources: { code_interpreter: { file_ids: Array.from({ length: 21 }, (_, index) => `file_${index}`) } } } as WireBody<'ModifyThreadRequest'>;
    expect(fields(writeViolations('ModifyThreadRequest', body))).toEqual(['input.toolResources.codeInterpreter.fileIds']);
  });

  it('requires a call id and an output on each tool output', () => {
    expect(fields(writeViolations('SubmitToolOutputsRunRequest', { tool_outputs: [{ output: 'x' }, { tool_call_id: 'call_1' }] }))).toEqual([
      'input.toolOutputs[0].toolCallId',
      'input.toolOutputs[1].output',
    ]);
  });

  it.each([
    ['ModifyRunRequest', { metadata: metadata(17) }],
    ['ModifyMessageRequest', { metadata: metadata(17) }],
    ['ModifyThreadRequest', { metadata: metadata(17) }],
    ['CreateMessageRequest', { role: 'user', content: 'x', metadata: metadata(17) }],
  ] as const)('%s: metadata limits', (name, body) => {
    expect(fields(writeViolations(name, body as never))).toEqual(['input.metadata']);
  });
});

describe('field paths', () => {
  it('maps a pointer to the GraphQL path; a custom root and a segment rewrite', () => {
    expect(toFieldPath('input', ['additional_messages', '0', 'content', '1', 'image_file', 'file_id'])).toBe('input.additionalMessages[0].content[1].imageFile.fileId');
    expect(toFieldPath('input', ['tools', '0', 'function', 'parameters', 'properties', 'max_len'])).toBe('input.tools[0].function.parameters.properties.max_len');
    const violations = writeViolations('CreateMessageRequest', { role: 'user', content: [] }, {
      root: 'input.message',
      mapSegments: (segments) => (segments[0] === 'content' ? ['content_parts', ...segments.slice(1)] : undefined),
    });
    expect(fields(violations)).toEqual(['input.message.contentParts']);
  });
});

describe('query parameter and key checks', () => {
  it('include[] values come from the spec', () => {
    expect(includeViolations(['step_details.tool_calls[*].file_search.results[*].content'])).toEqual([]);
    expect(fields(includeViolations(['x']))).toEqual(['input.include[0]']);
  });

  it('idempotency keys are 1–255 printable characters', () => {
    expect(idempotencyKeyViolations('3f9c2d1e-aaaa-bbbb-cccc-1234567890ab')).toEqual([]);
    expect(idempotencyKeyViolations(undefined)).toEqual([]);
    expect(fields(idempotencyKeyViolations(''))).toEqual(['input.idempotencyKey']);
    expect(fields(idempotencyKeyViolations('k'.repeat(256)))).toEqual(['input.idempotencyKey']);
    expect(fields(idempotencyKeyViolations('has space'))).toEqual(['input.idempotencyKey']);
  });
});
