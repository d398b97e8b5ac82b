;; IEEE 754 half precision -> float32, four values per step with WebAssembly SIMD (the cached features'
;; decoder: src/engine/nn/halfDecoder.ts). Assembled by `npm run build:wasm` into halfDecoderWasm.ts; a test
;; re-assembles this file and fails if the two differ.
;;
;; The conversion is exact for every one of the 65536 halves (test/engine/nn/halfDecoder.test.ts compares
;; them all with the table decoder of fp16.ts) and uses integer arithmetic only, except one float subtraction
;; on normal numbers for zero and subnormal halves: float arithmetic on subnormal inputs is ~100× slower on
;; x86, and the obvious "shift the bits, multiply by 2^112" conversion would hit it for every subnormal half.
;;   bits = (h & 0x7fff) << 13          exponent and mantissa in float32 position
;;   bits += (127 - 15) << 23           rebias the exponent
;;   if exponent was 31 (Inf/NaN):  bits += (127 - 15) << 23 again: float exponent 255, payload kept
;;   if exponent was 0 (zero/subnormal): float(bits + 2^23) - 2^-14: the subnormal's value, computed on normals
;;   result = bits | (h & 0x8000) << 16
(module
  (import "env" "memory" (memory 1))

  ;; decode(src, dst, n): n halves (little-endian) at byte offset src -> n float32 at byte offset dst.
  ;; Works in steps of four: when n is not a multiple of 4, up to three more values are read and written,
  ;; so the caller leaves that much room after both regions.
  (func (export "decode") (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) (local $h v128) (local $bits v128) (local $exp v128)
    (local.set $end
      (i32.add (local.get $src) (i32.shl (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4)) (i32.const 1))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        ;; four halves, zero-extended to 32-bit lanes
        (local.set $h (v128.load16x4_u (local.get $src)))
        (local.set $bits
          (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)))
        (local.set $exp
          (v128.and (local.get $bits) (v128.const i32x4 0x0f800000 0x0f800000 0x0f800000 0x0f800000)))
        (local.set $bits
          (i32x4.add (local.get $bits) (v128.const i32x4 0x38000000 0x38000000 0x38000000 0x38000000)))
        ;; Inf/NaN
        (local.set $bits
          (i32x4.add (local.get $bits)
            (v128.and
              (i32x4.eq (local.get $exp) (v128.const i32x4 0x0f800000 0x0f800000 0x0f800000 0x0f800000))
              (v128.const i32x4 0x38000000 0x38000000 0x38000000 0x38000000))))
        ;; zero and subnormals (0x38800000 is 2^-14 as float32)
        (local.set $bits
          (v128.bitselect
            (f32x4.sub
              (i32x4.add (local.get $bits) (v128.const i32x4 0x00800000 0x00800000 0x00800000 0x00800000))
              (v128.const i32x4 0x38800000 0x38800000 0x38800000 0x38800000))
            (local.get $bits)
            (i32x4.eq (local.get $exp) (v128.const i32x4 0 0 0 0))))
        ;; the sign
        (v128.store (local.get $dst)
          (v128.or (local.get $bits)
            (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $next)))))
