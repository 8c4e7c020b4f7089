/**
 * A WebAssembly module with one SIMD function, `widen(source, target, groups)`: bf16 -> f32 for
 * `groups` x 8 values, reading 16 bytes at `source` and writing 32 bytes at `target` per group,
 * in the imported shared memory `env.memory`. Each group is loaded before it is stored, so the
 * source may sit in the upper half of the target range (in-place widening, front to back).
 *
 * Hand-assembled (it is 120 bytes); the text form:
 *
 *   (module
 *     (import "env" "memory" (memory 1 65536 shared))
 *     (func (export "widen") (param $source i32) (param $target i32) (param $groups i32)
 *       (local $v v128)
 *       (block (loop
 *         (br_if 1 (i32.eqz (local.get $groups)))
 *         (local.set $v (v128.load (local.get $source)))
 *         (v128.store offset=0 (local.get $target) (i32x4.shl (i32x4.extend_low_i16x8_u (local.get $v)) (i32.const 16)))
 *         (v128.store offset=16 (local.get $target) (i32x4.shl (i32x4.extend_high_i16x8_u (local.get $v)) (i32.const 16)))
 *         (local.set $source (i32.add (local.get $source) (i32.const 16)))
 *         (local.set $target (i32.add (local.get $target) (i32.const 32)))
 *         (local.set $groups (i32.sub (local.get $groups) (i32.const 1)))
 *         (br 0)))))
 */
const BODY = [
  0x01,
  0x01,
  0x7b, // one local: v128
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
  0x03, // v = v128.load(source)
  0x20,
  0x01,
  0x20,
  0x03,
  0xfd,
  0xa9,
  0x01,
  0x41,
  0x10,
  0xfd,
  0xab,
  0x01,
  0xfd,
  0x0b,
  0x00,
  0x00, // store low half << 16
  0x20,
  0x01,
  0x20,
  0x03,
  0xfd,
  0xaa,
  0x01,
  0x41,
  0x10,
  0xfd,
  0xab,
  0x01,
  0xfd,
  0x0b,
  0x00,
  0x10, // store high half << 16 at +16
  0x20,
  0x00,
  0x41,
  0x10,
  0x6a,
  0x21,
  0x00, // source += 16
  0x20,
  0x01,
  0x41,
  0x20,
  0x6a,
  0x21,
  0x01, // target += 32
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
  0x09,
  0x01,
  0x05,
  0x77,
  0x69,
  0x64,
  0x65,
  0x6e,
  0x00,
  0x00, // export "widen"
  0x0a,
  BODY.length + 2,
  0x01,
  BODY.length,
  ...BODY, // code
]);

/** A shared WebAssembly memory, as far as this package uses one. */
export interface SharedWasmMemory {
  readonly buffer: SharedArrayBuffer;
}

/** The part of the WebAssembly JS API used here (the package builds without the DOM lib). */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => SharedWasmMemory;
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;

/** The compiled module (compiled once per thread; it can be posted to workers). */
export function bf16WidenModule(): object {
  compiled ??= new wasm.Module(BYTES);
  return compiled;
}
