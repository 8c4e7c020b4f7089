import { wasm } from "./bf16-widen-module.js";

/**
 * A WebAssembly module with one SIMD function, `narrow(source, target, groups)`: f32 -> bf16
 * (round to nearest even, every NaN to the quiet NaN 0x7FC0, as `float32ToBf16Bits`) for
 * `groups` x 8 values, reading 32 bytes at `source` and writing 16 bytes at `target` per group,
 * in the imported shared memory `env.memory` (shared like the widen module's, so both run on one staging memory).
 *
 * Hand-assembled; the text form (R(x) is written out twice, for $a and $b):
 *
 *   (module
 *     (import "env" "memory" (memory 1 65536 shared))
 *     (func (export "narrow") (param $source i32) (param $target i32) (param $groups i32)
 *       (local $a v128) (local $b v128) (local $nan v128) (local $bias v128) (local $one v128)
 *       (local.set $nan (i32x4.splat (i32.const 0x7fc0)))
 *       (local.set $bias (i32x4.splat (i32.const 0x7fff)))
 *       (local.set $one (i32x4.splat (i32.const 1)))
 *       (block (loop
 *         (br_if 1 (i32.eqz (local.get $groups)))
 *         (local.set $a (v128.load offset=0 (local.get $source)))
 *         (local.set $b (v128.load offset=16 (local.get $source)))
 *         (v128.store (local.get $target) (i16x8.narrow_i32x4_u (R $a) (R $b)))
 *         (local.set $source (i32.add (local.get $source) (i32.const 32)))
 *         (local.set $target (i32.add (local.get $target) (i32.const 16)))
 *         (local.set $groups (i32.sub (local.get $groups) (i32.const 1)))
 *         (br 0))))
 *   R(x) = (v128.bitselect (local.get $nan)
 *            (i32x4.shr_u (i32x4.add x (i32x4.add (local.get $bias) (v128.and (i32x4.shr_u x (i32.const 16)) (local.get $one)))) (i32.const 16))
 *            (f32x4.ne x x))
 * The rounded high halves are 0 .. 0xFFFF, so the unsigned saturating narrow keeps them exactly.
 */
function rounded(local: number): number[] {
  return [
    0x20,
    0x05, // nan
    0x20,
    local,
    0x20,
    0x06,
    0x20,
    local,
    0x41,
    0x10,
    0xfd,
    0xad,
    0x01, // x, bias, x >>> 16
    0x20,
    0x07,
    0xfd,
    0x4e, // & one
    0xfd,
    0xae,
    0x01,
    0xfd,
    0xae,
    0x01, // bias + lsb, x + that
    0x41,
    0x10,
    0xfd,
    0xad,
    0x01, // >>> 16
    0x20,
    local,
    0x20,
    local,
    0xfd,
    0x42, // x != x
    0xfd,
    0x52, // bitselect
  ];
}

const BODY = [
  0x01,
  0x05,
  0x7b, // five locals: v128
  0x41,
  0xc0,
  0xff,
  0x01,
  0xfd,
  0x11,
  0x21,
  0x05, // nan = splat(0x7fc0)
  0x41,
  0xff,
  0xff,
  0x01,
  0xfd,
  0x11,
  0x21,
  0x06, // bias = splat(0x7fff)
  0x41,
  0x01,
  0xfd,
  0x11,
  0x21,
  0x07, // one = splat(1)
  0x02,
  0x40,
  0x03,
  0x40, // block, loop
  0x20,
  0x02,
  0x45,
  0x0d,
  0x01, // br_if 1 (groups == 0)
  0x20,
  0x00,
  0xfd,
  0x00,
  0x00,
  0x00,
  0x21,
  0x03, // a = v128.load(source)
  0x20,
  0x00,
  0xfd,
  0x00,
  0x00,
  0x10,
  0x21,
  0x04, // b = v128.load(source + 16)
  0x20,
  0x01,
  ...rounded(0x03),
  ...rounded(0x04),
  0xfd,
  0x86,
  0x01,
  0xfd,
  0x0b,
  0x00,
  0x00, // store narrow(R(a), R(b))
  0x20,
  0x00,
  0x41,
  0x20,
  0x6a,
  0x21,
  0x00, // source += 32
  0x20,
  0x01,
  0x41,
  0x10,
  0x6a,
  0x21,
  0x01, // target += 16
  0x20,
  0x02,
  0x41,
  0x01,
  0x6b,
  0x21,
  0x02, // groups -= 1
  0x0c,
  0x00,
  0x0b,
  0x0b,
  0x0b, // br 0, end loop, end block, end function
];

/** Unsigned LEB128 (section and body sizes above 127 take two bytes). */
function leb128(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

const FUNCTION_BODY = [...leb128(BODY.length), ...BODY];
const CODE = [0x01, ...FUNCTION_BODY];

const BYTES = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // "\0asm", version 1
  0x01,
  0x07,
  0x01,
  0x60,
  0x03,
  0x7f,
  0x7f,
  0x7f,
  0x00, // types: (i32, i32, i32) -> ()
  0x02,
  0x12,
  0x01,
  0x03,
  0x65,
  0x6e,
  0x76,
  0x06,
  0x6d,
  0x65,
  0x6d,
  0x6f,
  0x72,
  0x79,
  0x02,
  0x03,
  0x01,
  0x80,
  0x80,
  0x04, // import env.memory, shared, 1..65536 pages
  0x03,
  0x02,
  0x01,
  0x00, // one function of type 0
  0x07,
  0x0a,
  0x01,
  0x06,
  0x6e,
  0x61,
  0x72,
  0x72,
  0x6f,
  0x77,
  0x00,
  0x00, // export "narrow"
  0x0a,
  ...leb128(CODE.length),
  ...CODE, // code
]);

let compiled: object | undefined;

/** The compiled module (compiled once per thread). */
export function bf16NarrowModule(): object {
  compiled ??= new wasm.Module(BYTES);
  return compiled;
}
