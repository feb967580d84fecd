/**
 * Where GraphiQL keeps its tabs, history and editor contents: localStorage under a per-street
 * prefix (`jiedao.graphiql.<street>:`), so one street's queries never show up in another's
 * GraphiQL on the same server (their schemas differ). Tokens are never stored here.
 */
import type { GraphiQLProps } from "graphiql";

type Storage = NonNullable<GraphiQLProps["storage"]>;

/** A localStorage view holding only the keys of ``street``'s GraphiQL. */
export function streetStorage(street: string): Storage {
  const prefix = `jiedao.graphiql.${street}:`;
  const own = () => Object.keys(localStorage).filter((key) => key.startsWith(prefix));
  return {
    getItem: (key) => localStorage.getItem(prefix + key),
    setItem: (key, value) => localStorage.setItem(prefix + key, value),
    removeItem: (key) => localStorage.removeItem(prefix + key),
    clear: () => own().forEach((key) => localStorage.removeItem(key)),
    get length() {
      return own().length;
    },
  };
}
