import { loadTokenizer } from "@graft/hf";
import { oldSegmentation } from "@graft/vocab";
const w = "/tmp/lepwork/hidden-1024-new-46560";
let t = performance.now();
const lap = (what: string) => { const n = performance.now(); console.log(what, ((n - t) / 1000).toFixed(2)); t = n; };
const tb = await loadTokenizer(w + "/base"); lap("tok base");
const ti = await loadTokenizer(w + "/instruct"); lap("tok instruct");
const td = await loadTokenizer(w + "/donor"); lap("tok donor");
const seg = oldSegmentation({ baseTokenizer: tb, extendedTokenizer: td }); lap("segmentation");
