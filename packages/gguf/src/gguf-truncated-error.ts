import { GraftError } from "@graft/errors";

const marker = "graft.error.GgufTruncatedError";
const symbol = Symbol.for(marker);

/** The header, or a tensor's data, reaches past the end of the file. */
export class GgufTruncatedError extends GraftError {
  private readonly [symbol] = true;
  readonly path: string;
  /** `header`, or the tensor whose data is cut off. */
  readonly part: string;
  /** Bytes the part needs the file to have, and the file's size. */
  readonly needed: number;
  readonly size: number;

  constructor({ path, part, needed, size }: { path: string; part: string; needed: number; size: number }) {
    const what = part === "header" ? "the header" : `tensor "${part}"`;
    super({
      name: "GgufTruncatedError",
      message: `${path}: truncated: ${what} needs ${needed} bytes, the file has ${size}; the download or copy was cut short, fetch the file again`,
    });
    this.path = path;
    this.part = part;
    this.needed = needed;
    this.size = size;
  }

  static override isInstance(error: unknown): error is GgufTruncatedError {
    return GraftError.hasMarker(error, marker);
  }
}
