/**
 * Rewrap comment lines over 120 characters, which Biome's formatter leaves as they are: whole-line `//`
 * comments and the ` * ` lines of block comments. The words that no longer fit move to the next line of
 * the same paragraph (or a new line), keeping indentation and the hanging indent of list items. Lines
 * with no space to break at (URLs), comments after code, and fenced code in comments are left for a
 * person; `node scripts/lint-text.mjs` lists what is left. Used once by scripts/format-all.sh.
 * Usage: node scripts/wrap-comments.mjs [--width N] files...
 */
import { readFileSync, writeFileSync } from "node:fs";

const args = process.argv.slice(2);
const widthAt = args.indexOf("--width");
const WIDTH = widthAt >= 0 ? Number(args.splice(widthAt, 2)[1]) : 120;

/** Prefix (indentation and comment marker), hanging indent and text of a comment line, or null. */
function parse(line, inBlock) {
  const m = inBlock ? /^(\s*\* ?)(\s*)(.*)$/.exec(line) : /^(\s*\/\/+ ?)(\s*)(.*)$/.exec(line);
  if (!m || (inBlock && !/^\s*\*(?!\/)/.test(line))) return null;
  const [, prefix, indent, text] = m;
  const item = /^([-*+]|\d+[.)]) /.exec(text);
  return { prefix, indent, text, hang: indent + (item ? " ".repeat(item[0].length) : "") };
}

/** Whether `next` continues the paragraph of a line with the given prefix and hanging indent. */
function continues(next, prefix, hang) {
  return (
    next !== null &&
    next.prefix === prefix &&
    next.indent === hang &&
    next.text !== "" &&
    !/^([-*+]|\d+[.)]) |[@#|>`]|```/.test(next.text) &&
    !next.text.endsWith("*/")
  );
}

/** The last space at or before `room` that is not inside an inline tag such as `{@link Name}`, or -1. */
function breakAt(text, room) {
  for (let at = text.lastIndexOf(" ", room); at > 0; at = text.lastIndexOf(" ", at - 1)) {
    const before = text.slice(0, at);
    if (before.lastIndexOf("{@") <= before.lastIndexOf("}")) return at;
  }
  return -1;
}

export function wrap(source, width = WIDTH) {
  const lines = source.split("\n");
  const out = [];
  let inBlock = false;
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const opens = /^\s*\/\*/.test(line) && !line.includes("*/");
    // A one-line `/** ... */` that is too long becomes a block of its own.
    const single = /^(\s*)\/\*\*\s+(.*?)\s*\*\/\s*$/.exec(line);
    if (!inBlock && single && line.length > width && single[2].includes(" ")) {
      out.push(`${single[1]}/**`);
      lines.splice(i + 1, 0, `${single[1]} * ${single[2]}`, `${single[1]} */`);
      inBlock = true;
      continue;
    }
    const comment = parse(line, inBlock);
    if (comment && /^```/.test(comment.text)) fenced = !fenced;
    if (comment && !fenced && line.length > width && !line.trimEnd().endsWith("*/")) {
      const room = width - comment.prefix.length - comment.indent.length;
      const cut = breakAt(comment.text, room);
      if (cut > 0) {
        const head = comment.text.slice(0, cut).trimEnd();
        const rest = comment.text.slice(cut + 1).trimStart();
        line = comment.prefix + comment.indent + head;
        const next = i + 1 < lines.length ? parse(lines[i + 1], inBlock) : null;
        if (continues(next, comment.prefix, comment.hang)) {
          lines[i + 1] = `${comment.prefix}${comment.hang}${rest} ${next.text}`;
        } else {
          lines.splice(i + 1, 0, `${comment.prefix}${comment.hang}${rest}`);
        }
      }
    }
    out.push(line);
    if (opens) inBlock = true;
    if (inBlock && line.includes("*/")) {
      inBlock = false;
      fenced = false;
    }
  }
  return out.join("\n");
}

for (const file of args) {
  const before = readFileSync(file, "utf8");
  const after = wrap(before);
  if (after !== before) {
    writeFileSync(file, after);
    console.log(`wrapped ${file}`);
  }
}
