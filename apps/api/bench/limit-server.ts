/**
 * Child process of `pnpm bench`: the physical limit. A bare Hono app on @hono/node-server that
 * answers every GET with the same bytes from memory (the file given as the first argument), as
 * application/json. Prints { port } when listening.
 */
import { readFileSync } from "node:fs";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const body = readFileSync(process.argv[2]!);
const app = new Hono();
app.get("*", (c) => c.body(body, 200, { "Content-Type": "application/json" }));
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  process.stdout.write(JSON.stringify({ port: info.port }) + "\n");
});
process.on("SIGTERM", () => {
  server.close();
  process.exit(0);
});
