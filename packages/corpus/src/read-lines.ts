import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { Transform } from "node:stream";
import { createGunzip, gunzipSync } from "node:zlib";
import { Decompress, decompress } from "fzstd";

/** One line of a text file: its text (invalid UTF-8 replaced by U+FFFD), 1-based number, and whether it was valid UTF-8. */
export interface TextLine {
  text: string;
  line: number;
  validUtf8: boolean;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** A zstd decompressing stream (fzstd, pure JS). */
function createZstdDecompress(): Transform {
  let decoder: Decompress;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        decoder.push(chunk);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback) {
      try {
        decoder.push(new Uint8Array(0), true);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  decoder = new Decompress((data) => {
    transform.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
  return transform;
}

/** The decompressed bytes of a file (`.gz`, `.zst` or raw), streamed; `onBytes` gets the compressed bytes read so far. */
export function openDecompressed(path: string, onBytes?: (bytes: number) => void): NodeJS.ReadableStream {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  if (onBytes) {
    let read = 0;
    stream.on("data", (chunk) => {
      read += (chunk as Buffer).length;
      onBytes(read);
    });
  }
  if (path.endsWith(".gz")) return stream.pipe(createGunzip());
  if (path.endsWith(".zst")) return stream.pipe(createZstdDecompress());
  return stream;
}

/** The whole decompressed content of a file (for formats that need random access: Parquet). */
export async function readDecompressed(path: string): Promise<Uint8Array> {
  const raw = await readFile(path);
  if (path.endsWith(".gz")) return gunzipSync(raw);
  if (path.endsWith(".zst")) return decompress(raw);
  return raw;
}

/** Streams a file's lines (LF or CRLF), decoding UTF-8 with replacement and flagging invalid lines. */
export async function* readLines(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<TextLine> {
  let carry: Buffer | undefined;
  let line = 0;
  const emit = (bytes: Buffer): TextLine => {
    line += 1;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
    const content = bytes.subarray(0, end);
    return { text: content.toString("utf8"), line, validUtf8: isUtf8(content) };
  };
  for await (const chunk of openDecompressed(path, onBytes)) {
    let buffer = chunk as Buffer;
    if (carry) {
      buffer = Buffer.concat([carry, buffer]);
      carry = undefined;
    }
    let start = 0;
    for (let newline = buffer.indexOf(NEWLINE, start); newline !== -1; newline = buffer.indexOf(NEWLINE, start)) {
      yield emit(buffer.subarray(start, newline));
      start = newline + 1;
    }
    if (start < buffer.length) carry = Buffer.from(buffer.subarray(start));
  }
  if (carry && carry.length > 0) yield emit(carry);
}
