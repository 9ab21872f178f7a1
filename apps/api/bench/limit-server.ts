/**
 * Child process of `pnpm bench`: the in-run limit. A bare node:http server answering from memory
 * exactly the bytes the API sent for the same path and Accept-Encoding (the manifest given as the
 * first argument, written by bench/limit.ts), with the same Content-Type and Content-Encoding and a
 * Content-Length; 404 for anything else. Prints { port } when listening.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import type { LimitAnswer } from "./limit.ts";

const key = (path: string, acceptEncoding: string | undefined) => `${acceptEncoding ?? ""}\n${path}`;

const manifest = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as LimitAnswer[];
const answers = new Map<string, { headers: http.OutgoingHttpHeaders; body: Buffer }>();
for (const answer of manifest) {
  const body = readFileSync(answer.file);
  const headers: http.OutgoingHttpHeaders = { "Content-Type": answer.contentType, "Content-Length": body.length };
  if (answer.contentEncoding !== undefined) headers["Content-Encoding"] = answer.contentEncoding;
  answers.set(key(answer.path, answer.acceptEncoding), { headers, body });
}

const server = http.createServer((req, res) => {
  const answer = answers.get(key(req.url ?? "", req.headers["accept-encoding"]));
  if (answer === undefined) res.writeHead(404).end();
  else res.writeHead(200, answer.headers).end(answer.body);
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.on("SIGTERM", () => {
  server.close();
  process.exit(0);
});
