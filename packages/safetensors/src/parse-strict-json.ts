/**
 * JSON.parse that rejects duplicate object keys (JSON.parse keeps the last one silently, which
 * would hide a second tensor of the same name). Throws SyntaxError with the offset.
 */
export function parseStrictJson(text: string): unknown {
  let position = 0;

  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${position}`);
  };
  const skipWhitespace = () => {
    while (position < text.length) {
      const code = text.charCodeAt(position);
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) position += 1;
      else break;
    }
  };
  const parseString = (): string => {
    const start = position;
    position += 1;
    while (position < text.length) {
      const character = text[position];
      if (character === "\\") position += 2;
      else if (character === '"') {
        position += 1;
        return JSON.parse(text.slice(start, position)) as string;
      } else position += 1;
    }
    return fail("unterminated string");
  };
  const parseValue = (depth: number): unknown => {
    if (depth > MAX_JSON_DEPTH) fail("nesting too deep");
    skipWhitespace();
    const character = text[position];
    if (character === "{") {
      position += 1;
      const result: Record<string, unknown> = {};
      const seen = new Set<string>();
      skipWhitespace();
      if (text[position] === "}") {
        position += 1;
        return result;
      }
      for (;;) {
        skipWhitespace();
        if (text[position] !== '"') fail("expected a key");
        const key = parseString();
        if (seen.has(key)) fail(`duplicate key "${key}"`);
        seen.add(key);
        skipWhitespace();
        if (text[position] !== ":") fail("expected ':'");
        position += 1;
        Object.defineProperty(result, key, { value: parseValue(depth + 1), enumerable: true, writable: true, configurable: true });
        skipWhitespace();
        if (text[position] === ",") position += 1;
        else if (text[position] === "}") {
          position += 1;
          return result;
        } else fail("expected ',' or '}'");
      }
    }
    if (character === "[") {
      position += 1;
      const result: unknown[] = [];
      skipWhitespace();
      if (text[position] === "]") {
        position += 1;
        return result;
      }
      for (;;) {
        result.push(parseValue(depth + 1));
        skipWhitespace();
        if (text[position] === ",") position += 1;
        else if (text[position] === "]") {
          position += 1;
          return result;
        } else fail("expected ',' or ']'");
      }
    }
    if (character === '"') return parseString();
    const match = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(position, position + 64));
    if (!match) return fail("unexpected character");
    position += match[0].length;
    return JSON.parse(match[0]);
  };

  const value = parseValue(0);
  skipWhitespace();
  if (position !== text.length) fail("trailing characters");
  return value;
}

/** A safetensors header is two levels deep; anything far deeper is malformed input. */
const MAX_JSON_DEPTH = 64;
