import { GraftError } from "@graft/errors";

const marker = "graft.error.InitMethodError";
const symbol = Symbol.for(marker);

/** An initialisation method returned a row combination the engine cannot use (a bug in the method). */
export class InitMethodError extends GraftError {
  private readonly [symbol] = true;
  readonly method: string;
  readonly module: string;
  readonly tokenId: number;

  constructor({ method, module, tokenId, message }: { method: string; module: string; tokenId: number; message: string }) {
    super({
      name: "InitMethodError",
      message: `init method "${method}", ${module} row ${tokenId}: ${message}; fix the method (init-method-${method}.ts): combinations must name base ids below the base vocabulary size with finite weights`,
    });
    this.method = method;
    this.module = module;
    this.tokenId = tokenId;
  }

  static override isInstance(error: unknown): error is InitMethodError {
    return GraftError.hasMarker(error, marker);
  }
}
