// One build for the people's front end: the resident/worker app (app.html) and offline GraphiQL.
// The output lands in the Python package (core/pages/dist) so a clone serves it without node.
import { readFileSync } from "node:fs";
import { fileURLToPath, URL } from "node:url";
import vue from "@vitejs/plugin-vue";
import Components from "unplugin-vue-components/vite";
import { VantResolver } from "@vant/auto-import-resolver";
import { defineConfig, type Plugin } from "vite";

/** Vant's icon font names a CDN copy after its inline one; the app works offline, so drop it. */
function noFontCdn(): Plugin {
  return {
    name: "jiedao-no-font-cdn",
    enforce: "pre",
    transform(code, id) {
      if (!id.includes("vant") || !id.endsWith(".css") || !code.includes("alicdn.com")) return null;
      return { code: code.replace(/,\s*url\((["']?)\/\/at\.alicdn\.com[^)]*\)\s*format\((["'])woff\2\)/g, ""), map: null };
    },
  };
}

/** The build's trusted documents (codegen's persisted-documents.json, hash -> document) ship
 *  beside its pages: the allow-list of JIEDAO_TRUSTED_DOCUMENTS=allow-listed. */
function trustedDocuments(): Plugin {
  const manifest = fileURLToPath(new URL("./src/gql/persisted-documents.json", import.meta.url));
  return {
    name: "jiedao-trusted-documents",
    generateBundle() {
      this.emitFile({ type: "asset", fileName: "persisted-documents.json", source: readFileSync(manifest, "utf-8") });
    },
  };
}

export default defineConfig({
  base: "/static/",
  plugins: [noFontCdn(), trustedDocuments(), vue(), Components({ resolvers: [VantResolver()], dts: false })],
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  build: {
    outDir: "../core/pages/dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // React libraries under GraphiQL mark modules "use client" (meaningless in a plain bundle).
      onwarn(warning, warn) {
        if (warning.code === "MODULE_LEVEL_DIRECTIVE" && warning.message.includes('"use client"')) return;
        warn(warning);
      },
      input: {
        app: fileURLToPath(new URL("./app.html", import.meta.url)),
        // Offline GraphiQL (React + GraphiQL 4): its own entry, so the app never loads it.
        graphiql: fileURLToPath(new URL("./graphiql.html", import.meta.url)),
      },
    },
  },
});
