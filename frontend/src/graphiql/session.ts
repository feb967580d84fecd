/**
 * The GraphiQL page's log-in: one token per street, kept in sessionStorage (gone when the tab
 * closes), never in a URL. `logIn` runs the `login` mutation; `logOut` revokes the token on the
 * server (`logout`) and forgets it; a token the server refuses is forgotten (`expire`). Listeners learn of every change (the fetcher and the
 * subscription socket follow the current token).
 */
import { graphqlUrl, config } from "@/config";

/** Who is logged in on this page. */
export interface GraphiqlSession {
  username: string;
  token: string;
}

const KEY = `jiedao.graphiql.${config.street}.session`;

const LOGIN = /* GraphQL */ `
  mutation GraphiqlLogin($input: LoginInput!) {
    login(input: $input) {
      token
      retryAfter
      errors { field message code }
    }
  }
`;

const LOGOUT = /* GraphQL */ `
  mutation GraphiqlLogout {
    logout { revoked errors { message } }
  }
`;

function load(): GraphiqlSession | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
    return stored && typeof stored.token === "string" && typeof stored.username === "string" ? stored : null;
  } catch {
    return null;
  }
}

let current: GraphiqlSession | null = load();
const listeners = new Set<() => void>();

/** The session of this page, or null. */
export function session(): GraphiqlSession | null {
  return current;
}

/** Call ``listener`` whenever the session changes; returns the function that stops it. */
export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function set(next: GraphiqlSession | null): void {
  current = next;
  if (next) notice = null;
  if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
  else sessionStorage.removeItem(KEY);
  listeners.forEach((listener) => listener());
}

async function post(query: string, variables: Record<string, unknown>, token?: string): Promise<any> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(graphqlUrl, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  return response.json();
}

/** Log in as ``username``; resolves to an error message (null when logged in). */
export async function logIn(username: string, password: string): Promise<string | null> {
  if (!username.trim() || !password) return "请输入用户名和密码 Enter a username and a password";
  let answer: any;
  try {
    answer = await post(LOGIN, { input: { username: username.trim(), password } });
  } catch (error) {
    return `无法连接服务器 Cannot reach the server: ${String(error)}`;
  }
  const payload = answer?.data?.login;
  if (payload?.token) {
    set({ username: username.trim(), token: payload.token });
    return null;
  }
  const errors = payload?.errors?.length ? payload.errors : answer?.errors ?? [];
  return errors.map((error: { message: string }) => error.message).join("; ") || "登录失败 Log-in failed";
}

/** The server refused the token (expired or revoked): forget it and say why in the box. */
export function expire(): void {
  if (!current) return;
  notice = "登录已过期，请重新登录。Your session expired; log in again.";
  set(null);
}

let notice: string | null = null;

/** Why the last session ended by itself (shown in the log-in box until the next log-in), or null. */
export function expiredNotice(): string | null {
  return notice;
}

/** Revoke the token on the server (best effort) and forget it here, with the street's saved
 *  tabs and history (queries may hold residents' ids or ID-card numbers); the page starts afresh. */
export async function logOut(): Promise<void> {
  const token = current?.token;
  set(null);
  const prefix = `jiedao.graphiql.${config.street}:`;
  for (const key of Object.keys(localStorage)) if (key.startsWith(prefix)) localStorage.removeItem(key);
  if (token) {
    try {
      await post(LOGOUT, {}, token);
    } catch {
      // the token is forgotten here either way; an unreachable server lets it expire
    }
  }
}
