import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

type Collector = () => void;

let collector: Collector | null | undefined;

/**
 * V8's collector, or null where the engine will not give it. Node 20's V8 starts no collection
 * for SharedArrayBuffer allocations (an ArrayBuffer's does), so code that hands out shared
 * buffers must ask for one itself; `--expose-gc` is set at run time for that, and `gc` is taken
 * from a fresh context so no global changes.
 */
export function garbageCollector(): Collector | null {
  if (collector !== undefined) return collector;
  try {
    setFlagsFromString("--expose-gc");
    const found: unknown = runInNewContext("typeof gc === 'function' ? gc : undefined");
    collector = typeof found === "function" ? (found as Collector) : null;
  } catch {
    collector = null;
  }
  return collector;
}
