// Test helpers shared by graft's suites (private, never published).
export { repositoryRoot } from "./repository-root.js";
export { fixtureTokenizerDirectory, FIXTURE_TOKENIZER_NAMES, type FixtureTokenizerName } from "./fixture-tokenizer.js";
export { referencePython, runPython, runPythonJson, type RunPythonOptions } from "./run-python.js";
export { temporaryDirectory } from "./temporary-directory.js";
export { fixtureText, type FixtureTextName } from "./fixture-text.js";
export { createTinyModel, type TinyModelOptions } from "./create-tiny-model.js";
