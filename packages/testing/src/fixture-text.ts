import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { repositoryRoot } from "./repository-root.js";

/** Real text fixtures under fixtures/text (see its README for provenance). */
export type FixtureTextName = "ru-fortunes" | "en-fortunes";

/** The fixture's text; entries are separated by blank lines. */
export function fixtureText(name: FixtureTextName): string {
  return gunzipSync(readFileSync(join(repositoryRoot(), "fixtures", "text", `${name}.txt.gz`))).toString("utf8");
}
