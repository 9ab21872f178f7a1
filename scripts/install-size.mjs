#!/usr/bin/env node
// What an npm install added: `node scripts/install-size.mjs <node_modules> <limit MB> [forbidden package ...]`.
// Prints the packages and the total bytes of their files (apparent size, as in the tarballs), and exits 1
// when the total exceeds the limit or a forbidden package (e.g. a database driver) was installed.
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

const [dir, limitMb, ...forbidden] = process.argv.slice(2);
if (!dir || !limitMb) {
  console.error("usage: install-size.mjs <node_modules> <limit MB> [forbidden package ...]");
  process.exit(2);
}

/** Bytes of every file under `path` (symbolic links not followed). */
function bytes(path) {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += bytes(join(path, entry));
  return total;
}

/** Installed package names, including scoped ones and nested node_modules. */
function packages(modules) {
  const names = [];
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith(".")) continue;
    const scoped = entry.startsWith("@")
      ? readdirSync(join(modules, entry)).map((name) => `${entry}/${name}`)
      : [entry];
    for (const name of scoped) {
      names.push(name);
      const nested = join(modules, name, "node_modules");
      try {
        names.push(...packages(nested));
      } catch {
        // no nested node_modules
      }
    }
  }
  return names;
}

const names = [...new Set(packages(dir))].sort();
const total = bytes(dir);
const mb = total / 1024 / 1024;
console.log(
  `install size: ${names.length} packages, ${mb.toFixed(2)} MB in ${dir} (limit ${limitMb} MB): ${names.join(", ")}`,
);
const found = names.filter((name) =>
  forbidden.some((f) => name === f || name.startsWith(`${f}/`) || name.endsWith(`/${f}`)),
);
let failed = false;
if (found.length > 0) {
  console.error(`install size: packages that must not be installed: ${found.join(", ")}`);
  failed = true;
}
if (mb > Number(limitMb)) {
  console.error(`install size: ${mb.toFixed(2)} MB is over the ${limitMb} MB limit`);
  failed = true;
}
process.exit(failed ? 1 : 0);
