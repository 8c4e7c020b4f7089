import { fileURLToPath } from "node:url";

/** Where `graft_trainer` lives: beside src/ and dist/ in the package. */
export const TRAINER_PYTHON_PATH = fileURLToPath(new URL("../python", import.meta.url));
