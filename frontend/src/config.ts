/** What the server tells the page about its street (a `<meta name="jiedao-config">` JSON). */
export interface StreetConfig {
  /** The street's slug: the app talks only to /graphql/{street}. */
  street: string;
  /** The street's name, e.g. 长庆街道. */
  name: string;
  /** The plugins the street enables (screens of other plugins are hidden). */
  plugins: string[];
}

function read(): StreetConfig {
  const meta = document.querySelector('meta[name="jiedao-config"]');
  const raw = meta?.getAttribute("content") ?? "";
  try {
    return JSON.parse(raw) as StreetConfig;
  } catch {
    // `npm run dev` against a local server: the street comes from the path /app/{street}/...
    const street = location.pathname.split("/")[2] || "changqing";
    return { street, name: street, plugins: [] };
  }
}

export const config: StreetConfig = read();

/** Whether the street enables ``plugin`` (its screens and queries exist only then). */
export function hasPlugin(plugin: string): boolean {
  return config.plugins.includes(plugin);
}

/** The app's base path, e.g. /app/changqing/ */
export const appBase = `/app/${config.street}/`;
/** The street's GraphQL endpoint (HTTP). */
export const graphqlUrl = `/graphql/${config.street}`;
/** The same endpoint as a WebSocket URL (graphql-ws; the token goes in connection_init). */
export const graphqlWsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql/${config.street}`;
