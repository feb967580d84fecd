/** Log-in and log-out against the public API (`login`, `me`, `logout`). */
import { graphql } from "@/gql";
import { request, requestAs, GraphQLFailure } from "@/lib/graphql";
import { appBase } from "@/config";
import { clearEverything, setSession, state } from "@/lib/session";

const Login = graphql(`
  mutation AppLogin($input: LoginInput!) {
    login(input: $input) {
      token
      expiresAt
      retryAfter
      errors { field message code }
    }
  }
`);

const Me = graphql(`
  query AppMe {
    me { username roles permissions resident { id name } }
  }
`);

const Logout = graphql(`
  mutation AppLogout {
    logout { errors { message } }
  }
`);

/** Why a log-in failed, for the form. */
export class LoginRefused extends Error {
  constructor(message: string, public retryAfter: number | null = null) {
    super(message);
  }
}

/** Log in as ``username``; stores the session with the account's roles in this street. */
export async function logIn(username: string, password: string): Promise<void> {
  const result = await requestAs(Login, { input: { username, password } }, null);
  const payload = result.login;
  if (!payload.token) throw new LoginRefused(payload.errors.map((error) => error.message).join("; ") || "?", payload.retryAfter ?? null);
  let me;
  try {
    ({ me } = await requestAs(Me, {}, payload.token));
  } catch (error) {
    if (error instanceof GraphQLFailure) throw new LoginRefused(error.message);
    throw error;
  }
  const someoneElse = state.session !== null && state.session.username !== me.username;
  if (someoneElse) clearEverything(); // another person on this device: nothing of the first stays
  setSession({
    token: payload.token,
    username: me.username,
    expiresAt: payload.expiresAt ?? null,
    roles: me.roles,
    permissions: me.permissions,
    residentId: me.resident?.id ?? null,
  });
  if (someoneElse) window.location.replace(appBase); // drop the first person's screens and data
}

/** Ask the server again who we are (roles change); keeps the token. */
export async function refreshSession(): Promise<void> {
  const { me } = await request(Me);
  const current = state.session;
  if (current) setSession({ ...current, username: me.username, roles: me.roles, permissions: me.permissions, residentId: me.resident?.id ?? null });
}

/** Revoke the token on the server (best effort) and forget everything on this device. */
export async function logOut(): Promise<void> {
  try {
    // exactly this token, no re-login on 401: an expired session logs out at once
    if (state.session) await requestAs(Logout, {}, state.session.token);
  } catch {
    // the token may be expired already; the device forgets it anyway
  } finally {
    clearEverything();
  }
}
