/**
 * Queries and mutations over HTTP to the street's public GraphQL endpoint.
 *
 * `request(Document, variables)` is typed by the operation (codegen from the SDL). A refused
 * token (HTTP 401, the session expired or was revoked) does not lose the user's place: the
 * request waits for the re-login dialog and is sent again with the new token.
 */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { watch } from "vue";
import { graphqlUrl } from "@/config";
import { messageLanguage } from "@/i18n";
import { markExpired, state, token } from "@/lib/session";

/** One GraphQL error as the server reports it (message, code, path). */
export interface ServerError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string; requestId?: string };
}

/** The server answered with errors (the first message is the one to show). */
export class GraphQLFailure extends Error {
  constructor(public errors: ServerError[]) {
    super(errors.map((error) => error.message).join("; "));
  }
  /** The first error's code, e.g. FORBIDDEN, NOT_FOUND. */
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

function waitForLogin(): Promise<void> {
  return new Promise((resolve) => {
    const stop = watch(
      () => [state.session?.token, state.expired] as const,
      ([current, expired]) => {
        if (current && !expired) {
          stop();
          resolve();
        }
      },
    );
  });
}

/** Send ``document`` with ``variables`` and the session's token; resolves to its typed data
 *  or throws GraphQLFailure. On 401 it waits for the re-login and sends again. */
export async function request<Result, Variables>(
  document: TypedDocumentNode<Result, Variables>,
  ...[variables]: Variables extends Record<string, never> ? [] | [Variables] : [Variables]
): Promise<Result> {
  const who = state.session?.username;
  for (;;) {
    const bearer = token();
    const response = await post(document, variables, bearer);
    if (response.status === 401 && bearer) {
      markExpired();
      await waitForLogin();
      // someone else logged in at the dialog: what this person asked for is not sent as theirs
      if (state.session?.username !== who) throw new GraphQLFailure([{ message: "session changed", extensions: { code: "UNAUTHENTICATED" } }]);
      continue;
    }
    return read<Result>(response);
  }
}

/** Send ``document`` with exactly ``bearer`` (null: anonymously), e.g. to log in. */
export async function requestAs<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables, bearer: string | null): Promise<Result> {
  return read<Result>(await post(document, variables, bearer));
}

async function post<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables | undefined, bearer: string | null): Promise<Response> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json",
    "accept-language": messageLanguage(),
  };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  return fetch(graphqlUrl, {
    method: "POST",
    headers,
    body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
    credentials: "omit",
    cache: "no-store",
  });
}

async function read<Result>(response: Response): Promise<Result> {
  let body: { data?: Result; errors?: ServerError[] };
  try {
    body = await response.json();
  } catch {
    throw new GraphQLFailure([{ message: `HTTP ${response.status}` }]);
  }
  if (body.errors?.length) throw new GraphQLFailure(body.errors);
  if (!body.data) throw new GraphQLFailure([{ message: `HTTP ${response.status}` }]);
  return body.data;
}

/** A mutation payload's `errors` list (UserError) as one line, or null. */
export function userErrors(payload: { errors?: { message: string; field?: string | null }[] | null } | null | undefined): string | null {
  const errors = payload?.errors ?? [];
  return errors.length ? errors.map((error) => (error.field ? `${error.field}: ${error.message}` : error.message)).join("; ") : null;
}
