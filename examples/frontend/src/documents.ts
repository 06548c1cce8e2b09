import { graphql } from './gql/index.js';

/*
 * Every operation this frontend sends. `npm run example:codegen` reads this file: it types each document, and lists
 * it in src/gql/persisted-documents.json, the manifest the gateway runs in production (PERSISTED_DOCUMENTS).
 * An operation that is not written here cannot run there.
 */

export const RunFields = graphql(/* GraphQL */ `
  fragment RunFields on RunObject {
    id
    runId
    threadId
    status
    upstreamStatus
    createdAt
    completedAt
    assistant {
      name
    }
    lastError {
      code
      message
    }
    requiredAction {
      submitToolOutputs {
        toolCalls {
          id
          function {
            name
            arguments
          }
        }
      }
    }
  }
`);

export const RunPageQuery = graphql(/* GraphQL */ `
  query RunPage($threadId: ID!, $runId: ID!) {
    run(threadId: $threadId, runId: $runId) {
      ...RunFields
      messages(first: 20, order: ASC) {
        edges {
          node {
            messageId
            role
            content {
              __typename
              ... on MessageContentText {
                text {
                  value
                }
              }
            }
          }
        }
      }
      steps(first: 20, order: ASC) {
        edges {
          node {
            stepId
            type
            status
            stepDetails {
              __typename
              ... on RunStepMessageCreationDetails {
                messageCreation {
                  messageId
                }
              }
              ... on RunStepToolCallsDetails {
                toolCalls {
                  __typename
                  ... on FunctionToolCall {
                    id
                    function {
                      name
                      arguments
                      output
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`);

export const RunUpdatedSubscription = graphql(/* GraphQL */ `
  subscription RunUpdated($threadId: ID!, $runId: ID!) {
    runUpdated(threadId: $threadId, runId: $runId) {
      ...RunFields
    }
  }
`);

export const CreateThreadAndRunMutation = graphql(/* GraphQL */ `
  mutation CreateThreadAndRun($input: CreateThreadAndRunInput!) {
    createThreadAndRun(input: $input) {
      replayed
      run {
        ...RunFields
      }
    }
  }
`);

export const CreateRunMutation = graphql(/* GraphQL */ `
  mutation CreateRun($input: CreateRunInput!) {
    createRun(input: $input) {
      replayed
      run {
        ...RunFields
      }
    }
  }
`);

export const SubmitToolOutputsMutation = graphql(/* GraphQL */ `
  mutation SubmitToolOutputs($input: SubmitToolOutputsInput!) {
    submitToolOutputs(input: $input) {
      replayed
      run {
        ...RunFields
      }
    }
  }
`);
