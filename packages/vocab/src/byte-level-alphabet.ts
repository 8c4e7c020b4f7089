/**
 * GPT-2's byte-to-unicode alphabet: byte-level BPE tokenizers (Llama-3, Qwen2.5, GPT-2) store
 * every token as a string of these 256 characters, one per UTF-8 byte.
 */
function buildByteToCharacter(): string[] {
  const printable: number[] = [];
  for (let byte = 33; byte <= 126; byte += 1) printable.push(byte);
  for (let byte = 161; byte <= 172; byte += 1) printable.push(byte);
  for (let byte = 174; byte <= 255; byte += 1) printable.push(byte);
  const characters = new Array<string>(256);
  for (const byte of printable) characters[byte] = String.fromCharCode(byte);
  let next = 0;
  for (let byte = 0; byte < 256; byte += 1) {
    if (characters[byte] === undefined) {
      characters[byte] = String.fromCharCode(256 + next);
      next += 1;
    }
  }
  return characters;
}

/** `BYTE_TO_CHARACTER[byte]` is the alphabet character of a byte. */
export const BYTE_TO_CHARACTER: readonly string[] = buildByteToCharacter();
const CHARACTER_TO_BYTE = new Map<string, number>(BYTE_TO_CHARACTER.map((character, byte) => [character, byte]));

/** UTF-8 bytes of a text written in the byte alphabet. */
export function textToByteLevel(text: string): string {
  let result = "";
  for (const byte of new TextEncoder().encode(text)) result += BYTE_TO_CHARACTER[byte];
  return result;
}

/** The bytes a byte-level token stands for, or undefined when it has a character outside the alphabet. */
export function byteLevelToBytes(token: string): Uint8Array | undefined {
  const bytes = new Uint8Array(token.length);
  for (let index = 0; index < token.length; index += 1) {
    const byte = CHARACTER_TO_BYTE.get(token[index]);
    if (byte === undefined) return undefined;
    bytes[index] = byte;
  }
  return bytes;
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/** The text of a byte-level token, or undefined when its bytes are not complete UTF-8. */
export function byteLevelToText(token: string): string | undefined {
  const bytes = byteLevelToBytes(token);
  if (bytes === undefined) return undefined;
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** True when the tokenizer.json's pre-tokenizer (or a member of its Sequence) is ByteLevel. */
export function isByteLevel(json: Record<string, unknown>): boolean {
  const hasByteLevel = (node: unknown): boolean => {
    if (!node || typeof node !== "object") return false;
    const record = node as { type?: unknown; pretokenizers?: unknown; decoders?: unknown };
    if (record.type === "ByteLevel") return true;
    const members = [record.pretokenizers, record.decoders].find(Array.isArray) as unknown[] | undefined;
    return members?.some(hasByteLevel) ?? false;
  };
  return hasByteLevel(json.pre_tokenizer) || hasByteLevel(json.decoder);
}
