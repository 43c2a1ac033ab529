import { type StatusMap, setStatus, type TestStatus } from "./status.js";

/*
 * JUnit XML as pytest writes it (`--junitxml`, `junit_family=xunit1` so each case carries its
 * `file`). Only <testcase> elements and their <failure>/<error>/<skipped> children matter, so a
 * small scanner is enough: no general XML parser is needed for this machine-written format.
 */

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number(entity.slice(1)));
    return ENTITIES[entity] ?? whole;
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of tag.matchAll(/([\w:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    out[match[1]!] = decode(match[3] ?? match[4] ?? "");
  }
  return out;
}

/**
 * The pytest node id of a JUnit test case: `file::Class::name`, the class part being what
 * `classname` holds beyond the module path. Without `file`, `classname::name`.
 */
function nodeId(attrs: Record<string, string>): string {
  const name = attrs.name ?? "";
  const classname = attrs.classname ?? "";
  const file = attrs.file;
  if (!file) return classname ? `${classname}::${name}` : name;
  const modulePath = file.replace(/\.py$/, "").replace(/\//g, ".");
  const classes = classname.startsWith(modulePath)
    ? classname.slice(modulePath.length).replace(/^\./, "")
    : "";
  return [file, ...(classes ? classes.split(".") : []), name].join("::");
}

/** Parse JUnit XML into statuses keyed by pytest node id. Returns an empty map for non-JUnit. */
export function parseJunitXml(xml: string): StatusMap {
  const map: StatusMap = new Map();
  const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const match of xml.matchAll(re)) {
    const attrs = attributes(match[1]!);
    const body = match[3] ?? "";
    let status: TestStatus = "PASSED";
    if (/<error\b/.test(body)) status = "ERROR";
    else if (/<failure\b/.test(body)) status = "FAILED";
    else {
      const skipped = /<skipped\b([^>]*)/.exec(body);
      if (skipped) status = /type\s*=\s*["']pytest\.xfail["']/.test(skipped[1]!) ? "XFAIL" : "SKIPPED";
    }
    setStatus(map, nodeId(attrs), status);
  }
  return map;
}
