/**
 * Entry of the offline GraphiQL page (/graphql/{street} for a browser): GraphiQL 4 from the
 * build (no CDN), a log-in bar above it, and a fetcher that carries the token in headers and in
 * the subscription socket's connection_init. A separate Vite entry: the app never loads it.
 */
import { createElement as h, StrictMode, useMemo, useSyncExternalStore } from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import "./graphiql.css";
import { config } from "@/config";
import { fetcher } from "./fetcher";
import { LoginBar } from "./LoginBar";
import { onSessionChange, session } from "./session";
import { streetStorage } from "./storage";

const DEFAULT_QUERY = `# ${config.name} (${config.street}) 的 GraphQL 接口 · GraphQL API of ${config.name}
# 登录后可查询自己的数据、运行订阅。Log in above for your own data and subscriptions.
{
  street {
    name
  }
}
`;

const storage = streetStorage(config.street);

function Page() {
  // A new fetcher per token: GraphiQL then fetches the schema again (a server may allow
  // introspection to logged-in callers only).
  const token = useSyncExternalStore(onSessionChange, () => session()?.token ?? null);
  const current = useMemo<typeof fetcher>(() => (params, opts) => fetcher(params, opts), [token]);
  return h(
    "div",
    { className: "jiedao-page" },
    h(LoginBar),
    h("main", { className: "jiedao-ide" }, h(GraphiQL, { fetcher: current, storage, defaultQuery: DEFAULT_QUERY, isHeadersEditorEnabled: true, shouldPersistHeaders: false })),
  );
}

createRoot(document.getElementById("graphiql-root")!).render(h(StrictMode, null, h(Page)));
