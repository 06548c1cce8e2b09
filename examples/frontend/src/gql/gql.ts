/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment RunFields on RunObject {\n    id\n    runId\n    threadId\n    status\n    upstreamStatus\n    createdAt\n    completedAt\n    assistant {\n      name\n    }\n    lastError {\n      code\n      message\n    }\n    requiredAction {\n      submitToolOutputs {\n        toolCalls {\n          id\n          function {\n            name\n            arguments\n          }\n        }\n      }\n    }\n  }\n": typeof types.RunFieldsFragmentDoc,
    "\n  query RunPage($threadId: ID!, $runId: ID!) {\n    run(threadId: $threadId, runId: $runId) {\n      ...RunFields\n      messages(first: 20, order: ASC) {\n        edges {\n          node {\n            messageId\n            role\n            content {\n              __typename\n              ... on MessageContentText {\n                text {\n                  value\n                }\n              }\n            }\n          }\n        }\n      }\n      steps(first: 20, order: ASC) {\n        edges {\n          node {\n            stepId\n            type\n            status\n            stepDetails {\n              __typename\n              ... on RunStepMessageCreationDetails {\n                messageCreation {\n                  messageId\n                }\n              }\n              ... on RunStepToolCallsDetails {\n                toolCalls {\n                  __typename\n                  ... on FunctionToolCall {\n                    id\n                    function {\n                      name\n                      arguments\n                      output\n                    }\n                  }\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.RunPageDocument,
    "\n  subscription RunUpdated($threadId: ID!, $runId: ID!) {\n    runUpdated(threadId: $threadId, runId: $runId) {\n      ...RunFields\n    }\n  }\n": typeof types.RunUpdatedDocument,
    "\n  mutation CreateThreadAndRun($input: CreateThreadAndRunInput!) {\n    createThreadAndRun(input: $input) {\n      replayed\n      run {\n        ...RunFields\n      }\n    }\n  }\n": typeof types.CreateThreadAndRunDocument,
    "\n  mutation CreateRun($input: CreateRunInput!) {\n    createRun(input: $input) {\n      replayed\n      run {\n        ...RunFields\n      }\n    }\n  }\n": typeof types.CreateRunDocument,
    "\n  mutation SubmitToolOutputs($input: SubmitToolOutputsInput!) {\n    submitToolOutputs(input: $input) {\n      replayed\n      run {\n        ...RunFields\n      }\n    }\n  }\n": typeof types.SubmitToolOutputsDocument,
};
const documents: Documents = {
    "\n  fragment RunFields on RunObject {\n    id\n    runId\n    threadId\n    status\n    upstreamStatus\n    createdAt\n    completedAt\n    assistant {\n      name\n    }\n    lastError {\n      code\n      message\n    }\n    requiredAction {\n      submitToolOutputs {\n        toolCalls {\n          id\n          function {\n            name\n            arguments\n          }\n        }\n      }\n    }\n  }\n": types.RunFieldsFragmentDoc,
    "\n  query RunPage($threadId: ID!, $runId: ID!) {\n    run(threadId: $threadId, runId: $runId) {\n      ...RunFields\n      messages(first: 20, order: ASC) {\n        edges {\n          node {\n            messageId\n            role\n            content {\n              __typename\n              ... on MessageContentText {\n                text {\n                  value\n                }\n              }\n            }\n          }\n        }\n      }\n      steps(first: 20, order: ASC) {\n        edges {\n          node {\n            stepId\n            type\n            status\n            stepDetails {\n              __typename\n              ... on RunStepMessageCreationDetails {\n                messageCreation {\n                  messageId\n                }\n              }\n              ... on RunStepToolCallsDetails {\n                toolCalls {\n                  __typename\n                  ... on FunctionToolCall {\n                    id\n                    function {\n                      name\n                      arguments\n                      output\n                    }\n                  }\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n": types.RunPageDocument,
    "\n  subscription RunUpdated($threadId: ID!, $runId: ID!) {\n    runUpdated(threadId: $threadId, runId: $runId) {\n      ...RunFields\n    }\n  }\n": types.RunUpdatedDocument,
    "\n  mutation CreateThreadAndRun($input: CreateThreadAndRunInput!) {\n    createThreadAndRun(input: $input) {\n      replayed\n      run {\n        ...RunFields\n      }\n    }\n  }\n": types.CreateThreadAndRunDocument,
    "\n  mutation CreateRun($input: CreateRunInput!) {\n    createRun(input: $input) {\n      replayed\n      run {\n        ...RunFields\n      }\n    }\n  }\n": types.CreateRunDocument,
    "\n  mutation SubmitToolOutputs($input: SubmitToolOutputsInput!) {\n    submitToolOutputs(input: $input) {\n      replayed\n      run {\n        ...RunFields\n      }\n    }\n  }\n": types.SubmitToolOutputsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RunFields on RunObject {\n    id\n    runId\n    threadId\n    status\n    upstreamStatus\n    createdAt\n    completedAt\n    assistant {\n      name\n    }\n    lastError {\n      code\n      message\n    }\n    requiredAction {\n      submitToolOutputs {\n        toolCalls {\n          id\n          function {\n            name\n            arguments\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').RunFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunPage($threadId: ID!, $runId: ID!) {\n    run(threadId: $threadId, runId: $runId) {\n      ...RunFields\n      messages(first: 20, order: ASC) {\n        edges {\n          node {\n            messageId\n            role\n            content {\n              __typename\n              ... on MessageContentText {\n                text {\n                  value\n                }\n              }\n            }\n          }\n        }\n      }\n      steps(first: 20, order: ASC) {\n        edges {\n          node {\n            stepId\n            type\n            status\n            stepDetails {\n              __typename\n              ... on RunStepMessageCreationDetails {\n                messageCreation {\n                  messageId\n                }\n              }\n              ... on RunStepToolCallsDetails {\n                toolCalls {\n                  __typename\n                  ... on FunctionToolCall {\n                    id\n                    function {\n                      name\n                      arguments\n                      output\n                    }\n                  }\n                }\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').RunPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RunUpdated($threadId: ID!, $runId: ID!) {\n    runUpdated(threadId: $threadId, runId: $runId) {\n      ...RunFields\n    }\n  }\n"): typeof import('./graphql.js').RunUpdatedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateThreadAndRun($input: CreateThreadAndRunInput!) {\n    createThreadAndRun(input: $input) {\n      replayed\n      run {\n        ...RunFields\n      }\n    }\n  }\n"): typeof import('./graphql.js').CreateThreadAndRunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateRun($input: CreateRunInput!) {\n    createRun(input: $input) {\n      replayed\n      run {\n        ...RunFields\n      }\n    }\n  }\n"): typeof import('./graphql.js').CreateRunDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SubmitToolOutputs($input: SubmitToolOutputsInput!) {\n    submitToolOutputs(input: $input) {\n      replayed\n      run {\n        ...RunFields\n      }\n    }\n  }\n"): typeof import('./graphql.js').SubmitToolOutputsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
