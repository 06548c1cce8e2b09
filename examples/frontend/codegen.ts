import { fileURLToPath } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';

// Paths from this file, so `graphql-codegen --config examples/frontend/codegen.ts` works from any directory.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const config: CodegenConfig = {
  schema: here('../../schema.graphql'),
  documents: [here('./src/**/*.ts'), `!${here('./src/gql/**')}`],
  ignoreNoDocuments: false,
  generates: {
    [here('./src/gql/')]: {
      preset: 'client',
      presetConfig: {
        // The client reads fragments straight from the result: a UI would turn masking on per component.
        fragmentMasking: false,
        // The gateway keys PERSISTED_DOCUMENTS by the SHA-256 of the document text (hex), Apollo's convention too.
        persistedDocuments: { mode: 'embedHashInDocument', hashPropertyName: 'hash', hashAlgorithm: 'sha256' },
      },
      config: {
        // Documents as strings with their hash: plain fetch sends them without graphql-js at run time.
        documentMode: 'string',
        // NodeNext resolution wants explicit extensions on relative imports.
        emitLegacyCommonJSImports: false,
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: {
          DateTime: 'string',
          JSON: 'unknown',
          JSONObject: 'Record<string, unknown>',
        },
      },
    },
  },
};

export default config;
