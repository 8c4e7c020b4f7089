// Worker-thread entry of DocumentWorkerPool: runs the stateless pipeline steps and tokenization.
import { parentPort, workerData } from "node:worker_threads";
import { createDocumentProcessor, type ProcessorSettings, type ProcessResult, type RawDocument } from "./document-processor.js";

function transferables(results: ProcessResult[]): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  for (const result of results) {
    if ("drop" in result) continue;
    for (const array of [result.ids, result.mask, result.pieces, result.signature]) if (array) buffers.push(array.buffer as ArrayBuffer);
  }
  return buffers;
}

const port = parentPort;
if (port) {
  createDocumentProcessor(workerData as ProcessorSettings).then(
    (process) => {
      port.on("message", (message: { id: number; documents: RawDocument[] }) => {
        process(message.documents).then(
          (results) => port.postMessage({ id: message.id, results }, transferables(results)),
          (error: Error) => port.postMessage({ id: message.id, error: { name: error.name, message: error.message, stack: error.stack } }),
        );
      });
      port.postMessage({ ready: true });
    },
    (error: Error) => port.postMessage({ ready: false, error: { name: error.name, message: error.message, stack: error.stack } }),
  );
}
