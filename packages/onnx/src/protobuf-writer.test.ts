import { describe, expect, it } from "vitest";
import { ProtobufWriter } from "./protobuf-writer.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

// Expected bytes worked out by hand from the protobuf wire format (tag = field << 3 | wire type).
const cases: { name: string; write: (writer: ProtobufWriter) => ProtobufWriter; bytes: string }[] = [
  { name: "varint 150 (two bytes)", write: (w) => w.int(1, 150), bytes: "089601" },
  { name: "varint 0", write: (w) => w.int(1, 0), bytes: "0800" },
  { name: "negative int64 as ten bytes of two's complement", write: (w) => w.int(1, -1), bytes: "08ffffffffffffffffff01" },
  { name: "bigint above 2^53", write: (w) => w.int(1, 2n ** 60n), bytes: "08808080808080808010" },
  { name: "field 15: one-byte tag", write: (w) => w.int(15, 1), bytes: "7801" },
  { name: "field 16: two-byte tag", write: (w) => w.int(16, 1), bytes: "800101" },
  { name: "fixed32 float, little-endian", write: (w) => w.float(2, 1.5), bytes: "150000c03f" },
  { name: "string", write: (w) => w.string(2, "testing"), bytes: "120774657374696e67" },
  { name: "UTF-8 string: length in bytes", write: (w) => w.string(1, "é"), bytes: "0a02c3a9" },
  { name: "empty bytes", write: (w) => w.bytes(4, new Uint8Array()), bytes: "2200" },
  { name: "nested message, length known before it", write: (w) => w.message(3, new ProtobufWriter().int(1, 150)), bytes: "1a03089601" },
  { name: "fields in call order", write: (w) => w.int(2, 1).string(1, "a").int(2, 2), bytes: "10010a01611002" },
];

describe("ProtobufWriter", () => {
  it.each(cases)("$name", ({ write, bytes }) => {
    expect(hex(write(new ProtobufWriter()).finish())).toBe(bytes);
  });
});
