import { describe, expect, it } from 'vitest';
import { writeViolations } from '../../src/writes/validate.js';
import { createRunToWire, createThreadAndRunToWire, messageToWire, threadToWire } from '../../src/writes/wire.js';

describe('GraphQL inputs → wire bodies', () => {
  it('createRun: every field, one-of inputs to their wire forms, unset fields left out', () => {
    const body = createRunToWire({
      assistantId: 'asst_1',
      model: 'gpt-4o',
      reasoningEffort: 'low',
      instructions: undefined,
      additionalInstructions: 'ai',
      additionalMessages: [{ role: 'user', content: [{ text: 'hi' }, { imageUrl: { url: 'https://example.com/a.png', detail: 'low' } }], attachments: [{ fileId: 'file_1', tools: ['file_search'] }] }],
      tools: [
        { codeInterpreter: true },
        { fileSearch: { maxNumResults: 5, rankingOptions: { scoreThreshold: 0.2 } } },
        { fileSearch: {} },
        { function: { name: 'lookup', parameters: { type: 'object', properties: { max_len: { type: 'integer' } } } } },
      ],
      metadata: { owner_id: 'u1' },
      temperature: 0.5,
      topP: 0.9,
      maxPromptTokens: 1000,
      maxCompletionTokens: 500,
      truncationStrategy: { type: 'last_messages', lastMessages: 4 },
      toolChoice: { function: { name: 'lookup' } },
      parallelToolCalls: false,
      responseFormat: { jsonSchema: { name: 'answer', schema: { type: 'object' }, strict: true } },
    });
    expect(body).toEqual({
      assistant_id: 'asst_1',
      model: 'gpt-4o',
      reasoning_effort: 'low',
      additional_instructions: 'ai',
      additional_messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }],
          attachments: [{ file_id: 'file_1', tools: [{ type: 'file_search' }] }],
        },
      ],
      tools: [
        { type: 'code_interpreter' },
        { type: 'file_search', file_search: { max_num_results: 5, ranking_options: { score_threshold: 0.2 } } },
        { type: 'file_search' },
        { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { max_len: { type: 'integer' } } } } },
      ],
      metadata: { owner_id: 'u1' },
      temperature: 0.5,
      top_p: 0.9,
      max_prompt_tokens: 1000,
      max_completion_tokens: 500,
      truncation_strategy: { type: 'last_messages', last_messages: 4 },
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
    });
    expect(writeViolations('CreateRunRequest', body)).toEqual([]);
  });

  it('string forms of tool choice and response format; explicit null kept', () => {
    expect(createRunToWire({ assistantId: 'a', toolChoice: { mode: 'required' }, responseFormat: { auto: true }, temperature: null })).toEqual({
      assistant_id: 'a',
      tool_choice: 'required',
      response_format: 'auto',
      temperature: null,
    });
    expect(createRunToWire({ assistantId: 'a', toolChoice: { fileSearch: true }, responseFormat: { jsonObject: true } })).toMatchObject({
      tool_choice: { type: 'file_search' },
      response_format: { type: 'json_object' },
    });
  });

  it('createThreadAndRun: the thread with messages and its own tool resources', () => {
    const body = createThreadAndRunToWire({
      assistantId: 'asst_1',
      thread: {
        messages: [{ role: 'user', content: [{ imageFile: { fileId: 'file_2' } }] }],
        toolResources: { fileSearch: { vectorStores: [{ fileIds: ['file_3'], chunkingStrategy: { static: { maxChunkSizeTokens: 800, chunkOverlapTokens: 400 } } }] } },
        metadata: { a: 'b' },
      },
      toolResources: { codeInterpreter: { fileIds: ['file_4'] } },
    });
    expect(body).toEqual({
      assistant_id: 'asst_1',
      thread: {
        messages: [{ role: 'user', content: [{ type: 'image_file', image_file: { file_id: 'file_2' } }] }],
        tool_resources: { file_search: { vector_stores: [{ file_ids: ['file_3'], chunking_strategy: { type: 'static', static: { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 } } }] } },
        metadata: { a: 'b' },
      },
      tool_resources: { code_interpreter: { file_ids: ['file_4'] } },
    });
    expect(writeViolations('CreateThreadAndRunRequest', body)).toEqual([]);
  });

  it('threads and messages', () => {
    expect(threadToWire({})).toEqual({});
    expect(messageToWire({ role: 'assistant', content: [{ text: 'x' }], metadata: null })).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'x' }], metadata: null });
  });
});
