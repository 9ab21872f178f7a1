/**
 * The in-run limit's answers: each served path asked of the API once per client profile without
 * decoding, so the limit server (bench/limit-server.ts) can ship exactly the bytes the API ships,
 * with the Content-Type and Content-Encoding the API chose.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { decode, getRaw, type Profile, profileHeaders } from "./client.ts";

/** One answer of the API as sent to one profile. */
export interface CapturedAnswer {
  path: string;
  profile: Profile;
  contentType: string;
  /** undefined: sent as is (identity). */
  contentEncoding: string | undefined;
  /** The body as it went over the wire (encoded). */
  body: Buffer;
}

/** A line of the limit server's manifest: its answer to `path` asked with Accept-Encoding `acceptEncoding`. */
export interface LimitAnswer {
  path: string;
  acceptEncoding: string | undefined;
  contentType: string;
  contentEncoding: string | undefined;
  /** File holding the body bytes. */
  file: string;
}

/**
 * GET each path once per profile from the API (`baseUrl`), keeping the raw bytes; each must be a 200
 * and decode to the same body as the identity answer.
 * @throws when an answer is not a 200 or decodes to other bytes.
 */
export async function captureAnswers(
  baseUrl: string,
  paths: readonly string[],
  profiles: readonly Profile[],
): Promise<CapturedAnswer[]> {
  const captured: CapturedAnswer[] = [];
  for (const path of paths) {
    let identity: Buffer | undefined;
    for (const profile of profiles) {
      const answer = await getRaw(baseUrl + path, profileHeaders(profile));
      if (answer.status !== 200) throw new Error(`${path} (${profile.name}): ${answer.status}`);
      const contentEncoding = answer.headers["content-encoding"];
      const decoded = decode(answer.body, contentEncoding);
      identity ??= decoded;
      if (!decoded.equals(identity)) throw new Error(`${path} (${profile.name}) decodes to other bytes`);
      const contentType = answer.headers["content-type"] ?? "application/octet-stream";
      captured.push({ path, profile, contentType, contentEncoding, body: answer.body });
    }
  }
  return captured;
}

/** Write the bodies and the manifest the limit server reads into `dir`; the manifest's path. */
export function writeLimitManifest(dir: string, answers: readonly CapturedAnswer[]): string {
  const manifest: LimitAnswer[] = answers.map((answer, i) => {
    const file = join(dir, `body-${i}`);
    writeFileSync(file, answer.body);
    const { path, contentType, contentEncoding } = answer;
    return { path, acceptEncoding: answer.profile.acceptEncoding, contentType, contentEncoding, file };
  });
  const manifestFile = join(dir, "manifest.json");
  writeFileSync(manifestFile, JSON.stringify(manifest));
  return manifestFile;
}
