import { SafetensorsError } from "./safetensors-error.js";

const marker = "graft.error.ReadRangeError";
const symbol = Symbol.for(marker);

/** A row range outside a tensor, or a read that returned fewer bytes than the header promised. */
export class ReadRangeError extends SafetensorsError {
  private readonly [symbol] = true;
  readonly tensorName: string;

  constructor({ path, tensorName, message }: { path: string; tensorName: string; message: string }) {
    super({ name: "ReadRangeError", path, message: `${path}: tensor "${tensorName}": ${message}` });
    this.tensorName = tensorName;
  }

  static override isInstance(error: unknown): error is ReadRangeError {
    return SafetensorsError.hasMarker(error, marker);
  }
}
