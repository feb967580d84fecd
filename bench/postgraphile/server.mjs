// PostGraphile 5 for bench/api.py: the database as the application role, the street set per
// request (app.street_id, what Jiedao's row-level security reads). Settings from the environment:
// DATABASE_URL, PORT, STREET_ID.
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const street = process.env.STREET_ID;
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      pgSettings: () => ({ "app.street_id": street }),
      poolConfig: { max: 10 },
    }),
  ],
  grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.keepAliveTimeout = 60000;
await serv.addTo(server);
server.listen(Number(process.env.PORT), "127.0.0.1");
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, async () => {
  server.close();
  await pgl.release();
  process.exit(0);
});
