/**
 * Where GraphiQL keeps its tabs, history and editor contents: localStorage under a per-street
 * prefix (`jiedao.graphiql.<street>:`), so one street's queries never show up in another's
 * GraphiQL on the same server (their schemas differ). Tokens are never stored here: the
 * headers of tabs and of history entries (a pasted `Authorization`) are dropped on writing.
 */
import type { GraphiQLProps } from "graphiql";

type Storage = NonNullable<GraphiQLProps["storage"]>;

/** A localStorage view holding only the keys of ``street``'s GraphiQL. */
export function streetStorage(street: string): Storage {
  const prefix = `jiedao.graphiql.${street}:`;
  const own = () => Object.keys(localStorage).filter((key) => key.startsWith(prefix));
  return {
    getItem: (key) => localStorage.getItem(prefix + key),
    setItem: (key, value) => localStorage.setItem(prefix + key, withoutHeaders(value)),
    removeItem: (key) => localStorage.removeItem(prefix + key),
    clear: () => own().forEach((key) => localStorage.removeItem(key)),
    get length() {
      return own().length;
    },
  };
}

/** ``value`` (GraphiQL's JSON of tabs or history) with every `headers` entry emptied. */
export function withoutHeaders(value: string): string {
  try {
    return JSON.stringify(JSON.parse(value), (key, inner) => (key === "headers" && typeof inner === "string" ? "" : inner));
  } catch {
    return value;
  }
}
