import { SafetensorsError } from "./safetensors-error.js";

/** A row range outside a tensor, or a read that returned fewer bytes than the header promised. */
export class ReadRangeError extends SafetensorsError {
  readonly tensorName: string;

  constructor({ path, tensorName, message }: { path: string; tensorName: string; message: string }) {
    super({ name: "ReadRangeError", path, message: `${path}: tensor "${tensorName}": ${message}` });
    this.tensorName = tensorName;
  }
}
