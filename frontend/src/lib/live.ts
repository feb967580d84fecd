/**
 * Subscriptions over one graphql-ws socket to /graphql/{street}. The token travels in
 * `connection_init` (never in the URL). A socket the server closes with 4401 (token expired or
 * revoked) marks the session expired; graphql-ws ends every subscription then, so each one
 * still wanted is started again on a new socket once the user has logged in again. Log-out
 * closes the socket and forgets them.
 */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { createClient, type Client } from "graphql-ws";
import { watch } from "vue";
import { graphqlWsUrl } from "@/config";
import { messageLanguage } from "@/i18n";
import { markExpired, onLogout, state, token } from "@/lib/session";

interface Wanted {
  query: string;
  variables: Record<string, unknown>;
  onData: (data: unknown) => void;
  onError?: (error: unknown) => void;
  stop: () => void;
}

let client: Client | null = null;
const wanted = new Set<Wanted>();

function socket(): Client {
  if (!client) {
    client = createClient({
      url: graphqlWsUrl,
      lazy: true,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      connectionParams: () => ({ Authorization: `Bearer ${token() ?? ""}`, "Accept-Language": messageLanguage() }),
      on: {
        closed: (event) => {
          if ((event as CloseEvent).code === 4401) markExpired();
        },
      },
    });
  }
  return client;
}

function start(entry: Wanted): void {
  entry.stop = socket().subscribe(
    { query: entry.query, variables: entry.variables },
    {
      next: (value) => value.data && entry.onData(value.data),
      error: (error) => entry.onError?.(error),
      complete: () => undefined,
    },
  );
}

// The token the socket was last opened with. Expiry makes the watched value null for a while;
// the token after the re-login is compared with this one, not with that null.
let openedWith: string | null = null;

// A new token (a re-login after expiry): a new socket, and every wanted subscription again.
watch(
  () => (state.expired ? null : (state.session?.token ?? null)),
  (current) => {
    if (!current) return;
    const previous = openedWith;
    openedWith = current;
    if (previous === null || previous === current || wanted.size === 0) return;
    client?.dispose();
    client = null;
    for (const entry of wanted) start(entry);
  },
  { immediate: true },
);

onLogout(() => {
  wanted.clear();
  openedWith = null;
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
  const entry: Wanted = {
    query: print(document),
    variables: (variables ?? {}) as Record<string, unknown>,
    onData: onData as (data: unknown) => void,
    onError,
    stop: () => undefined,
  };
  wanted.add(entry);
  start(entry);
  return () => {
    wanted.delete(entry);
    entry.stop();
  };
}
