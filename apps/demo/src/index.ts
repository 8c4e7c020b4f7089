// The embedded default run (`npm run demo`). The whole pipeline (`graft adapt` on the tiny
// model zoo and the packaged Russian data) arrives with the demo issue; until then this says so.
process.stdout.write(
  [
    "graft demo: not yet available.",
    "The end-to-end run (corpus -> vocab extend -> embeddings CP -> LEP -> InsCP -> report) needs the",
    "tiny model zoo and packaged data, which have not landed yet. What works today: `npx graft --help`.",
    "",
  ].join("\n"),
);
