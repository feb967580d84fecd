/**
 * GraphiQL's fetcher for /graphql/{street}: queries and mutations over HTTP POST, subscriptions
 * over one graphql-ws socket. The logged-in token goes in the `Authorization` header of HTTP
 * requests and in the socket's `connection_init` payload (`{"Authorization": "Bearer …"}`),
 * never in the URL; a new token (log-in, log-out) closes the socket so the next subscription
 * opens one with the current token. A refused token (HTTP 401, close code 4401) ends the session.
 */
import { getOperationAST, parse } from "graphql";
import { createClient, type Client } from "graphql-ws";
import type { GraphiQLProps } from "graphiql";
import { graphqlUrl, graphqlWsUrl } from "@/config";
import { expire, onSessionChange, session } from "./session";

type Fetcher = GraphiQLProps["fetcher"];
type Result = { data?: unknown; errors?: { message: string }[] };

let socket: Client | null = null;

onSessionChange(() => {
  socket?.dispose();
  socket = null;
});

function client(authorization: string): Client {
  if (!socket) {
    socket = createClient({
      url: graphqlWsUrl,
      lazy: true,
      retryAttempts: 0,
      connectionParams: () => ({ Authorization: authorization }),
      on: {
        closed: (event) => {
          if ((event as CloseEvent).code === 4401 && session()) expire();
        },
      },
    });
  }
  return socket;
}

/** The Authorization header to send: the logged-in token, else one typed in the Headers pane. */
function authorization(headers: Record<string, unknown>): string | null {
  const token = session()?.token;
  if (token) return `Bearer ${token}`;
  const typed = headers.Authorization ?? headers.authorization;
  return typeof typed === "string" ? typed : null;
}

/** Whether the operation to run is a subscription. Parsed from the query itself: GraphiQL's
 *  `documentAST` can lag behind the editor (it is parsed after a debounce). */
function isSubscription(query: string, operationName: string | null | undefined): boolean {
  try {
    return getOperationAST(parse(query), operationName ?? undefined)?.operation === "subscription";
  } catch {
    return false; // the server reports the syntax error
  }
}

function describe(error: unknown): Result {
  if (error && typeof error === "object" && "code" in error && "reason" in error) {
    const close = error as CloseEvent;
    return { errors: [{ message: `WebSocket closed ${close.code}: ${close.reason || "connection lost"}` }] };
  }
  if (Array.isArray(error)) return { errors: error };
  return { errors: [{ message: error instanceof Error ? error.message : String(error) }] };
}

/** The fetcher GraphiQL runs every operation (and its schema introspection) through. */
export const fetcher: Fetcher = (params, opts) => {
  const headers: Record<string, unknown> = { ...(opts?.headers ?? {}) };
  const auth = authorization(headers);
  if (isSubscription(params.query, params.operationName)) {
    if (!auth) return { errors: [{ message: "订阅需要先登录（上方登录框）。Log in above to subscribe." }] } as never;
    return {
      subscribe(sink: { next?: (value: Result) => void; error?: (error: unknown) => void; complete?: () => void }) {
        let done = false;
        const dispose = client(auth).subscribe<Record<string, unknown>>(
          { query: params.query, operationName: params.operationName ?? undefined, variables: params.variables ?? undefined },
          {
            next: (value) => sink.next?.(value as Result),
            error: (error) => {
              if (done) return;
              done = true;
              sink.next?.(describe(error));
              sink.complete?.();
            },
            complete: () => sink.complete?.(),
          },
        );
        return { unsubscribe: () => ((done = true), dispose()) };
      },
    } as never;
  }
  delete headers.authorization;
  delete headers.Authorization;
  return fetch(graphqlUrl, {
    method: "POST",
    headers: {
      ...(headers as Record<string, string>),
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
      ...(auth ? { authorization: auth } : {}),
    },
    body: JSON.stringify(params),
  }).then((response) => {
    if (response.status === 401 && session()) expire(); // the logged-in token was refused
    return response.json();
  });
};
