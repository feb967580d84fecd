// graphql-http's GraphQL-over-HTTP server audit against one URL; prints one JSON array of
// {id, name, status, reason} (status: ok | notice | warn | error) on stdout.
// Usage: node audit.mjs URL   (JIEDAO_AUDIT_TOKEN, when set, goes in every request's
// Authorization header: some audits introspect, which anonymous callers may not).
import { serverAudits } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node audit.mjs URL");
  process.exit(2);
}
const token = process.env.JIEDAO_AUDIT_TOKEN;

function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers ?? {});
  if (token) headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = [];
for (const audit of serverAudits({ url, fetchFn: fetchWithToken })) {
  const result = await audit.fn();
  results.push({ id: result.id, name: result.name, status: result.status, reason: result.reason ?? null });
}
console.log(JSON.stringify(results));
