import type { Schemas } from '../spec/index.js';
import { createMessage, deleteMessage, modifyMessage } from '../writes/actions.js';
import type { WriteResult } from '../writes/run-write.js';
import { builder } from './builder.js';
import { unionOf, unknownMember, wireEnum } from './helpers.js';
import { encodeGlobalId, localIds, parseLocalId } from './ids.js';
import { ListOrder, ORDER_ARG_DESCRIPTION, planPage, toConnection } from './pagination.js';
import { AssistantRef, MessageConnection, MessageRef, RunRef, ThreadRef } from './refs.js';
import { fromUnix } from './scalars.js';
import { operationDescription, specObject } from './spec.js';
import { AssistantToolRef, wrapTool } from './tools.js';
import { INPUT_ARG_DESCRIPTION, MetadataDescription, messageFields, mutationFields, payloadFields, type InputFields, type PayloadShape } from './write-inputs.js';

type Message = Schemas['MessageObject'];

export const MessageObjectObject = wireEnum('MessageObjectObject', 'MessageObject.object');
export const MessageStatus = wireEnum('MessageStatus', 'MessageObject.status');
export const MessageRole = wireEnum('MessageRole', 'MessageObject.role');
export const MessageIncompleteReason = wireEnum('MessageIncompleteReason', 'MessageObject.incomplete_details.reason');
export const ImageDetail = wireEnum('ImageDetail', 'MessageContentImageFileObject.image_file.detail');

/* Content parts. */

type ImageFilePart = Schemas['MessageContentImageFileObject'];
const imageFileSpec = specObject('ImageFile', 'MessageContentImageFileObject.image_file');
const ImageFileRef = builder.objectRef<ImageFilePart['image_file']>('ImageFile').implement({
  description: imageFileSpec.description ?? 'An image file in a message.',
  fields: (t) => ({
    fileId: t.exposeID('file_id', imageFileSpec.prop('file_id')),
    detail: t.field({ type: ImageDetail.ref, ...imageFileSpec.prop('detail'), resolve: (o) => ImageDetail.wire(o.detail) }),
  }),
});
const imageFilePartSpec = specObject('MessageContentImageFile', 'MessageContentImageFileObject');
const MessageContentImageFileRef = builder.objectRef<ImageFilePart>('MessageContentImageFile').implement({
  description: imageFilePartSpec.description,
  fields: (t) => ({
    type: t.exposeString('type', imageFilePartSpec.prop('type')),
    imageFile: t.field({ type: ImageFileRef, ...imageFilePartSpec.prop('image_file', 'The image file.'), resolve: (o) => o.image_file }),
  }),
});

type ImageUrlPart = Schemas['MessageContentImageUrlObject'];
const imageUrlSpec = specObject('ImageUrl', 'MessageContentImageUrlObject.image_url');
const ImageUrlRef = builder.objectRef<ImageUrlPart['image_url']>('ImageUrl').implement({
  description: imageUrlSpec.description ?? 'An image URL in a message.',
  fields: (t) => ({
    url: t.exposeString('url', imageUrlSpec.prop('url')),
    detail: t.field({ type: ImageDetail.ref, ...imageUrlSpec.prop('detail'), resolve: (o) => ImageDetail.wire(o.detail) }),
  }),
});
const imageUrlPartSpec = specObject('MessageContentImageUrl', 'MessageContentImageUrlObject');
const MessageContentImageUrlRef = builder.objectRef<ImageUrlPart>('MessageContentImageUrl').implement({
  description: imageUrlPartSpec.description,
  fields: (t) => ({
    type: t.exposeString('type', imageUrlPartSpec.prop('type')),
    imageUrl: t.field({ type: ImageUrlRef, ...imageUrlPartSpec.prop('image_url', 'The image URL.'), resolve: (o) => o.image_url }),
  }),
});

type FileCitationAnnotation = Schemas['MessageContentTextAnnotationsFileCitationObject'];
const fileCitationSpec = specObject('FileCitation', 'MessageContentTextAnnotationsFileCitationObject.file_citation');
const FileCitationRef = builder.objectRef<FileCitationAnnotation['file_citation']>('FileCitation').implement({
  description: fileCitationSpec.description ?? 'The file a citation points to.',
  fields: (t) => ({ fileId: t.exposeID('file_id', fileCitationSpec.prop('file_id')) }),
});
const fileCitationAnnotationSpec = specObject('FileCitationAnnotation', 'MessageContentTextAnnotationsFileCitationObject');
const FileCitationAnnotationRef = builder.objectRef<FileCitationAnnotation>('FileCitationAnnotation').implement({
  description: fileCitationAnnotationSpec.description,
  fields: (t) => ({
    type: t.exposeString('type', fileCitationAnnotationSpec.prop('type')),
    text: t.exposeString('text', fileCitationAnnotationSpec.prop('text')),
    fileCitation: t.field({ type: FileCitationRef, ...fileCitationAnnotationSpec.prop('file_citation', 'The file the citation points to.'), resolve: (o) => o.file_citation }),
    startIndex: t.exposeInt('start_index', fileCitationAnnotationSpec.prop('start_index', 'Where the annotated text starts in the message text.')),
    endIndex: t.exposeInt('end_index', fileCitationAnnotationSpec.prop('end_index', 'Where the annotated text ends in the message text.')),
  }),
});

type FilePathAnnotation = Schemas['MessageContentTextAnnotationsFilePathObject'];
const filePathSpec = specObject('FilePath', 'MessageContentTextAnnotationsFilePathObject.file_path');
const FilePathRef = builder.objectRef<FilePathAnnotation['file_path']>('FilePath').implement({
  description: filePathSpec.description ?? 'The file a path annotation points to.',
  fields: (t) => ({ fileId: t.exposeID('file_id', filePathSpec.prop('file_id')) }),
});
const filePathAnnotationSpec = specObject('FilePathAnnotation', 'MessageContentTextAnnotationsFilePathObject');
const FilePathAnnotationRef = builder.objectRef<FilePathAnnotation>('FilePathAnnotation').implement({
  description: filePathAnnotationSpec.description,
  fields: (t) => ({
    type: t.exposeString('type', filePathAnnotationSpec.prop('type')),
    text: t.exposeString('text', filePathAnnotationSpec.prop('text')),
    filePath: t.field({ type: FilePathRef, ...filePathAnnotationSpec.prop('file_path', 'The generated file.'), resolve: (o) => o.file_path }),
    startIndex: t.exposeInt('start_index', filePathAnnotationSpec.prop('start_index', 'Where the annotated text starts in the message text.')),
    endIndex: t.exposeInt('end_index', filePathAnnotationSpec.prop('end_index', 'Where the annotated text ends in the message text.')),
  }),
});

const UnknownTextAnnotationRef = unknownMember('UnknownTextAnnotation', 'text annotation');
const annotations = unionOf<FileCitationAnnotation | FilePathAnnotation>(
  { file_citation: FileCitationAnnotationRef, file_path: FilePathAnnotationRef },
  UnknownTextAnnotationRef,
);
const TextAnnotationRef = builder.unionType('TextAnnotation', {
  description: 'An annotation of message text: a file citation or a file path (UnknownTextAnnotation for a kind the gateway does not know).',
  types: [FileCitationAnnotationRef, FilePathAnnotationRef, UnknownTextAnnotationRef],
  resolveType: annotations.resolveType,
});

type TextPart = Schemas['MessageContentTextObject'];
const textSpec = specObject('MessageText', 'MessageContentTextObject.text');
const MessageTextRef = builder.objectRef<TextPart['text']>('MessageText').implement({
  description: textSpec.description ?? 'Text and its annotations.',
  fields: (t) => ({
    value: t.exposeString('value', textSpec.prop('value')),
    annotations: t.field({ type: [TextAnnotationRef], ...textSpec.prop('annotations', 'Annotations of the text: file citations and file paths.'), resolve: (o) => (o.annotations ?? []).map(annotations.wrap) }),
  }),
});
const textPartSpec = specObject('MessageContentText', 'MessageContentTextObject');
const MessageContentTextRef = builder.objectRef<TextPart>('MessageContentText').implement({
  description: textPartSpec.description,
  fields: (t) => ({
    type: t.exposeString('type', textPartSpec.prop('type')),
    text: t.field({ type: MessageTextRef, ...textPartSpec.prop('text', 'The text and its annotations.'), resolve: (o) => o.text }),
  }),
});

type RefusalPart = Schemas['MessageContentRefusalObject'];
const refusalSpec = specObject('MessageContentRefusal', 'MessageContentRefusalObject');
const MessageContentRefusalRef = builder.objectRef<RefusalPart>('MessageContentRefusal').implement({
  description: refusalSpec.description,
  fields: (t) => ({
    type: t.exposeString('type', refusalSpec.prop('type')),
    refusal: t.exposeString('refusal', refusalSpec.prop('refusal', 'The refusal text.')),
  }),
});

const UnknownMessageContentRef = unknownMember('UnknownMessageContent', 'message content part');
const contents = unionOf<ImageFilePart | ImageUrlPart | TextPart | RefusalPart>(
  { image_file: MessageContentImageFileRef, image_url: MessageContentImageUrlRef, text: MessageContentTextRef, refusal: MessageContentRefusalRef },
  UnknownMessageContentRef,
);
const MessageContentRef = builder.unionType('MessageContent', {
  description: 'A part of a message: an image file, an image URL, text or a refusal (UnknownMessageContent for a kind the gateway does not know).',
  types: [MessageContentImageFileRef, MessageContentImageUrlRef, MessageContentTextRef, MessageContentRefusalRef, UnknownMessageContentRef],
  resolveType: contents.resolveType,
});

/* The message. */

const incompleteSpec = specObject('MessageIncompleteDetails', 'MessageObject.incomplete_details');
const MessageIncompleteDetailsRef = builder.objectRef<NonNullable<Message['incomplete_details']>>('MessageIncompleteDetails').implement({
  description: incompleteSpec.description,
  fields: (t) => ({
    reason: t.field({ type: MessageIncompleteReason.ref, ...incompleteSpec.prop('reason'), resolve: (o) => MessageIncompleteReason.wire(o.reason)! }),
  }),
});

type Attachment = NonNullable<Message['attachments']>[number];
const attachmentSpec = specObject('MessageAttachment', 'MessageObject.attachments[]');
const MessageAttachmentRef = builder.objectRef<Attachment>('MessageAttachment').implement({
  description: attachmentSpec.description ?? 'A file attached to the message, and the tools it was added to.',
  fields: (t) => ({
    fileId: t.id({ ...attachmentSpec.prop('file_id'), resolve: (o) => o.file_id ?? null }),
    tools: t.field({ type: [AssistantToolRef], ...attachmentSpec.prop('tools'), resolve: (o) => o.tools?.map(wrapTool) ?? null }),
  }),
});

const messageSpec = specObject('Message', 'MessageObject', { id: 'messageId' });
const prop = messageSpec.prop;

builder.node(MessageRef, {
  description: `${messageSpec.description ?? ''} \`id\` is the global id (it carries the thread id); \`messageId\` is the upstream id.`.trim(),
  id: { resolve: (message) => localIds.message(message) },
  loadWithoutCache: (id, context) => context.loaders.message.load(parseLocalId.message(id)),
  fields: (t) => ({
    messageId: t.exposeID('id', prop('id')),
    object: t.field({ type: MessageObjectObject.ref, ...prop('object'), resolve: (m) => MessageObjectObject.wire(m.object)! }),
    createdAt: t.field({ type: 'DateTime', ...prop('created_at'), resolve: (m) => fromUnix(m.created_at)! }),
    threadId: t.exposeID('thread_id', prop('thread_id')),
    status: t.field({ type: MessageStatus.ref, ...prop('status'), resolve: (m) => MessageStatus.wire(m.status)! }),
    incompleteDetails: t.field({ type: MessageIncompleteDetailsRef, ...prop('incomplete_details'), resolve: (m) => m.incomplete_details ?? null }),
    completedAt: t.field({ type: 'DateTime', ...prop('completed_at'), resolve: (m) => fromUnix(m.completed_at) }),
    incompleteAt: t.field({ type: 'DateTime', ...prop('incomplete_at'), resolve: (m) => fromUnix(m.incomplete_at) }),
    role: t.field({ type: MessageRole.ref, ...prop('role'), resolve: (m) => MessageRole.wire(m.role)! }),
    content: t.field({ type: [MessageContentRef], ...prop('content'), resolve: (m) => (m.content ?? []).map(contents.wrap) as never }),
    assistantId: t.id({ ...prop('assistant_id'), resolve: (m) => m.assistant_id ?? null }),
    runId: t.id({ ...prop('run_id'), resolve: (m) => m.run_id ?? null }),
    attachments: t.field({ type: [MessageAttachmentRef], ...prop('attachments'), resolve: (m) => m.attachments ?? null }),
    metadata: t.field({ type: 'JSONObject', ...prop('metadata'), resolve: (m) => m.metadata ?? null }),

    thread: t.field({
      type: ThreadRef,
      nullable: true,
      description: 'The thread this message belongs to (null if it no longer exists).',
      resolve: (m, _args, context) => context.loaders.thread.load(m.thread_id),
    }),
    run: t.field({
      type: RunRef,
      nullable: true,
      description: 'The run that created this message; null for messages created directly (or when the run no longer exists).',
      resolve: (m, _args, context) => (m.run_id ? context.loaders.run.load({ threadId: m.thread_id, runId: m.run_id }) : null),
    }),
    assistant: t.field({
      type: AssistantRef,
      nullable: true,
      description: 'The assistant that authored this message, if any.',
      resolve: (m, _args, context) => (m.assistant_id ? context.loaders.assistant.load(m.assistant_id) : null),
    }),
  }),
});

builder.objectField(ThreadRef, 'messages', (t) =>
  t.connection(
    {
      type: MessageRef,
      description: operationDescription('GET', '/threads/{thread_id}/messages'),
      args: { order: t.arg({ type: ListOrder, defaultValue: 'desc', description: ORDER_ARG_DESCRIPTION }) },
      resolve: async (thread, args, context) => {
        const plan = planPage(args);
        const page = await context.loaders.messagesPage.load({ threadId: thread.id, params: plan.params });
        return toConnection(page, plan);
      },
    },
    MessageConnection,
  ),
);

/* Mutations: createMessage, modifyMessage, deleteMessage (the work is in src/writes/actions.ts). */

interface MessagePayloadShape extends PayloadShape {
  message: Message;
}

function messagePayload(name: string, description: string) {
  return builder.objectRef<MessagePayloadShape>(name).implement({
    description,
    fields: (t) => ({
      ...payloadFields(t),
      message: t.field({
        type: MessageRef,
        description: 'The message after the write.',
        resolve: async (payload, _args, context) =>
          payload.replayed ? ((await context.loaders.message.load({ threadId: payload.message.thread_id, messageId: payload.message.id })) ?? payload.message) : payload.message,
      }),
      thread: t.field({
        type: ThreadRef,
        nullable: true,
        description: 'The thread of the message.',
        resolve: (payload, _args, context) => context.loaders.thread.load(payload.message.thread_id),
      }),
    }),
  });
}

const toMessagePayload = (input: { clientMutationId?: string | null | undefined }, result: WriteResult<Message>): MessagePayloadShape => ({
  clientMutationId: input.clientMutationId,
  replayed: result.replayed,
  message: result.value,
});

const messageRefFields = (t: InputFields) => ({
  threadId: t.id({ description: 'The thread: `thread_…` or a Thread global id. Not needed with a message global id.' }),
  messageId: t.id({ required: true, description: 'The message: `msg_…` or a Message global id.' }),
});

function messageRefArgs(input: { threadId?: string | number | null | undefined; messageId: string | number }) {
  return { threadId: input.threadId == null ? input.threadId : String(input.threadId), messageId: String(input.messageId) };
}

const CreateMessageInput = builder.inputType('CreateMessageInput', {
  description: `${operationDescription('POST', '/threads/{thread_id}/messages')} Not while a run of the thread is active (CONFLICT).`,
  fields: (t) => ({
    threadId: t.id({ required: true, description: 'The thread: `thread_…` or a Thread global id.' }),
    ...messageFields(t),
    ...mutationFields(t),
  }),
});

const ModifyMessageInput = builder.inputType('ModifyMessageInput', {
  description: operationDescription('POST', '/threads/{thread_id}/messages/{message_id}'),
  fields: (t) => ({
    ...messageRefFields(t),
    metadata: t.field({ type: 'JSONObject', description: MetadataDescription }),
    ...mutationFields(t),
  }),
});

const DeleteMessageInput = builder.inputType('DeleteMessageInput', {
  description: operationDescription('DELETE', '/threads/{thread_id}/messages/{message_id}'),
  fields: (t) => ({ ...messageRefFields(t), ...mutationFields(t) }),
});

interface DeletedMessageShape extends PayloadShape {
  threadId: string;
  messageId: string;
}

const DeleteMessagePayload = builder.objectRef<DeletedMessageShape>('DeleteMessagePayload').implement({
  description: 'The message that was deleted.',
  fields: (t) => ({
    ...payloadFields(t),
    deletedId: t.id({
      description: 'The global id of the deleted message (to evict it from a client cache).',
      resolve: (payload) => encodeGlobalId('Message', localIds.message({ thread_id: payload.threadId, id: payload.messageId })),
    }),
    messageId: t.id({ description: 'The upstream id of the deleted message.', resolve: (payload) => payload.messageId }),
    thread: t.field({
      type: ThreadRef,
      nullable: true,
      description: 'The thread the message was deleted from.',
      resolve: (payload, _args, context) => context.loaders.thread.load(payload.threadId),
    }),
  }),
});

builder.mutationFields((t) => ({
  createMessage: t.field({
    type: messagePayload('CreateMessagePayload', 'The message added to the thread.'),
    description: operationDescription('POST', '/threads/{thread_id}/messages'),
    args: { input: t.arg({ type: CreateMessageInput, required: true, description: INPUT_ARG_DESCRIPTION }) },
    resolve: async (_root, { input }, context) => toMessagePayload(input, await createMessage(context, { ...input, threadId: String(input.threadId) })),
  }),
  modifyMessage: t.field({
    type: messagePayload('ModifyMessagePayload', 'The message with its new metadata.'),
    description: operationDescription('POST', '/threads/{thread_id}/messages/{message_id}'),
    args: { input: t.arg({ type: ModifyMessageInput, required: true, description: INPUT_ARG_DESCRIPTION }) },
    resolve: async (_root, { input }, context) => toMessagePayload(input, await modifyMessage(context, { ...input, ...messageRefArgs(input) })),
  }),
  deleteMessage: t.field({
    type: DeleteMessagePayload,
    description: operationDescription('DELETE', '/threads/{thread_id}/messages/{message_id}'),
    args: { input: t.arg({ type: DeleteMessageInput, required: true, description: INPUT_ARG_DESCRIPTION }) },
    resolve: async (_root, { input }, context) => {
      const key = messageRefArgs(input);
      const result = await deleteMessage(context, { ...input, ...key });
      return { clientMutationId: input.clientMutationId, replayed: result.replayed, ...result.key };
    },
  }),
}));
