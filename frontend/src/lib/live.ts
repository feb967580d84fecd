/**
 * Subscriptions over one graphql-ws socket to /graphql/{street}. The token travels in
 * `connection_init` (never in the URL); the socket reconnects with the current token, and
 * log-out closes it. A socket closed with 4401 marks the session expired (re-login dialog).
 */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { createClient, type Client } from "graphql-ws";
import { graphqlWsUrl } from "@/config";
import { markExpired, onLogout, token } from "@/lib/session";

let client: Client | null = null;

function socket(): Client {
  if (!client) {
    client = createClient({
      url: graphqlWsUrl,
      lazy: true,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      connectionParams: () => ({ Authorization: `Bearer ${token() ?? ""}` }),
      on: {
        closed: (event) => {
          if ((event as CloseEvent).code === 4401) markExpired();
        },
      },
    });
  }
  return client;
}

onLogout(() => {
  client?.dispose();
  client = null;
});

/** Subscribe to ``document``; ``onData`` runs on every event. Returns the unsubscribe function. */
export function subscribe<Result, Variables>(
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
  onData: (data: Result) => void,
  onError?: (error: unknown) => void,
): () => void {
  return socket().subscribe<Result>(
    { query: print(document), variables: (variables ?? {}) as Record<string, unknown> },
    {
      next: (value) => value.data && onData(value.data as Result),
      error: (error) => onError?.(error),
      complete: () => undefined,
    },
  );
}
