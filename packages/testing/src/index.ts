// Test helpers shared by graft's suites (private, never published).

export { createTinyModel, type TinyModelOptions } from "./create-tiny-model.js";
export { type FixtureTextName, fixtureText } from "./fixture-text.js";
export { FIXTURE_TOKENIZER_NAMES, type FixtureTokenizerName, fixtureTokenizerDirectory } from "./fixture-tokenizer.js";
export { REAL_MODELS, type RealModel, type RealModelName, realModel } from "./real-model.js";
export { repositoryRoot } from "./repository-root.js";
export { type RunPythonOptions, referencePython, runPython, runPythonJson } from "./run-python.js";
export { temporaryDirectory } from "./temporary-directory.js";
