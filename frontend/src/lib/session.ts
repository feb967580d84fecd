/**
 * The log-in session of this browser for one street: the bearer token, who it belongs to and
 * when it expires. Kept in localStorage under one key per street; never in a URL.
 * `clearEverything()` is what log-out does: the token, cached data and the live socket go.
 */
import { reactive } from "vue";
import { config } from "@/config";

export interface Session {
  token: string;
  username: string;
  expiresAt: string | null;
  roles: string[];
  permissions: string[];
  residentId: string | null;
}

const KEY = `jiedao.app.${config.street}.session`;

function load(): Session | null {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? "null") as Session | null;
    if (stored && stored.expiresAt && Date.parse(stored.expiresAt) <= Date.now()) return null;
    return stored;
  } catch {
    return null;
  }
}

/** The current session (reactive), or null when logged out. */
export const state = reactive<{ session: Session | null; expired: boolean }>({ session: load(), expired: false });

/** Store a fresh session (after log-in or re-login). */
export function setSession(session: Session): void {
  state.session = session;
  state.expired = false;
  localStorage.setItem(KEY, JSON.stringify(session));
}

/** The token to send, or null. */
export function token(): string | null {
  return state.session?.token ?? null;
}

/** Whether the session holds ``permission`` in this street. */
export function can(permission: string): boolean {
  return state.session?.permissions.includes(permission) ?? false;
}

/** Whether the session has one of ``roles`` in this street. */
export function hasRole(...roles: string[]): boolean {
  return roles.some((role) => state.session?.roles.includes(role));
}

const onClear: Array<() => void> = [];

/** Register something to drop on log-out (a cache, a live socket). */
export function onLogout(callback: () => void): void {
  onClear.push(callback);
}

/** Log-out on this device: forget the token and everything cached for this street. */
export function clearEverything(): void {
  state.session = null;
  state.expired = false;
  for (const key of Object.keys(localStorage)) if (key.startsWith(`jiedao.app.${config.street}.`)) localStorage.removeItem(key);
  sessionStorage.clear();
  for (const callback of onClear) callback();
}

/** The server refused the token (expired or revoked): ask the user to log in again in place. */
export function markExpired(): void {
  if (state.session) state.expired = true;
}

// Another tab of this street logged out or in: this one reloads rather than show stale data
// or send with a token that is gone.
window.addEventListener("storage", (event) => {
  if (event.key === KEY && event.newValue !== JSON.stringify(state.session)) window.location.reload();
});
