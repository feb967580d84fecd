// Typed operations from the SDL: every `graphql(`...`)` in src/ is checked against
// ../schema/schema.graphql (the schema of all plugins, `jiedao schema export`) and typed.
// A schema change that breaks an operation fails `npm run build`.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../schema/schema.graphql",
  documents: ["src/**/*.ts", "src/**/*.vue", "!src/gql/**/*"],
  ignoreNoDocuments: true,
  errorsOnly: false,
  generates: {
    "./src/gql/": {
      preset: "client",
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: "string", Date: "string", JSON: "unknown", Fen: "number", Upload: "string" },
      },
      // persistedDocuments: src/gql/persisted-documents.json, every document of the build
      // (hash -> text); vite.config.ts ships it as core/pages/dist/persisted-documents.json,
      // the allow-list of JIEDAO_TRUSTED_DOCUMENTS=allow-listed (schema/trusted_documents.py).
      presetConfig: { fragmentMasking: false, persistedDocuments: true },
    },
  },
};
export default config;
