;; The blend of RowStitcher.addTile (src/engine/jobs/blendBand.ts) with WebAssembly SIMD. Assembled
;; by `npm run build:wasm` into blendBandWasm.ts; a test re-assembles this file and fails if they differ.
;;
;; Bit-identical to the JavaScript loops they replace (test/engine/jobs/blendBand.test.ts compares them on
;; random tiles with holes, NaN logits and every row length mod 4): JavaScript computes
;; acc[i] += w[i] * logit[i] in double precision and rounds to float32 once on the store, so the SIMD code
;; does the same in f64x2 lanes (float32 products are exact in double; the sum is rounded to double, then to
;; float32). The weights are float32 products and sums of float32 values, where float32 arithmetic gives the
;; same bits as double arithmetic rounded to float32.
(module
  (import "env" "memory" (memory 1))

  ;; weights(tx, wy, vt, wrow, wsum, vb, n) -> holes
  ;; For k < n: where the tile pixel is valid (byte vt[k] != 0): wrow[k] = wy * tx[k], wsum[k] += wrow[k],
  ;; vb[k] = 1; elsewhere wrow[k] = 0 and wsum, vb are left alone. Returns 1 when some pixel was not valid.
  (func $weights (param $tx i32) (param $wy f32) (param $vt i32) (param $wrow i32) (param $wsum i32)
        (param $vb i32) (param $n i32) (result i32)
    (local $k i32) (local $end4 i32) (local $holes i32) (local $wyv v128) (local $mask v128) (local $w v128)
    (local $wf f32)
    (local.set $wyv (f32x4.splat (local.get $wy)))
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end4)))
        ;; four validity bytes -> four all-ones / all-zeros lanes
        (local.set $mask
          (i32x4.ne
            (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $vt) (local.get $k)))))
            (v128.const i32x4 0 0 0 0)))
        (local.set $w
          (v128.and (f32x4.mul (local.get $wyv) (v128.load (i32.add (local.get $tx) (i32.shl (local.get $k) (i32.const 2)))))
                    (local.get $mask)))
        (v128.store (i32.add (local.get $wrow) (i32.shl (local.get $k) (i32.const 2))) (local.get $w))
        ;; wsum + 0 where not valid: the same value (sums start at +0 and only grow)
        (v128.store (i32.add (local.get $wsum) (i32.shl (local.get $k) (i32.const 2)))
          (f32x4.add (v128.load (i32.add (local.get $wsum) (i32.shl (local.get $k) (i32.const 2)))) (local.get $w)))
        ;; vb |= (valid ? 1 : 0), four bytes at once
        (v128.store32_lane 0 (i32.add (local.get $vb) (local.get $k))
          (v128.or
            (v128.load32_zero (i32.add (local.get $vb) (local.get $k)))
            (i8x16.narrow_i16x8_u
              (i16x8.narrow_i32x4_u (v128.and (local.get $mask) (v128.const i32x4 1 1 1 1)) (v128.const i32x4 0 0 0 0))
              (v128.const i32x4 0 0 0 0))))
        (if (i32.eqz (i32x4.all_true (local.get $mask))) (then (local.set $holes (i32.const 1))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $next)))
    ;; the last n mod 4 pixels, one at a time
    (block $tail
      (loop $one
        (br_if $tail (i32.ge_u (local.get $k) (local.get $n)))
        (if (i32.load8_u (i32.add (local.get $vt) (local.get $k)))
          (then
            (local.set $wf (f32.mul (local.get $wy) (f32.load (i32.add (local.get $tx) (i32.shl (local.get $k) (i32.const 2))))))
            (f32.store (i32.add (local.get $wrow) (i32.shl (local.get $k) (i32.const 2))) (local.get $wf))
            (f32.store (i32.add (local.get $wsum) (i32.shl (local.get $k) (i32.const 2)))
              (f32.add (f32.load (i32.add (local.get $wsum) (i32.shl (local.get $k) (i32.const 2)))) (local.get $wf)))
            (i32.store8 (i32.add (local.get $vb) (local.get $k)) (i32.const 1)))
          (else
            (f32.store (i32.add (local.get $wrow) (i32.shl (local.get $k) (i32.const 2))) (f32.const 0))
            (local.set $holes (i32.const 1))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $one)))
    (local.get $holes))

  ;; accumulate(acc, logits, wrow, n, masked): acc[k] = float32(acc[k] + w[k] * logits[k]) in double, k < n.
  ;; masked != 0: pixels with w[k] == 0 (no data) keep acc[k] as it was, whatever their logit (NaN included).
  (func $accumulate (param $acc i32) (param $lg i32) (param $wr i32) (param $n i32) (param $masked i32)
    (local $k i32) (local $end4 i32) (local $a v128) (local $l v128) (local $w v128) (local $lo v128) (local $hi v128)
    (local $r v128) (local $keep v128) (local $off i32) (local $wf f32)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    ;; masked: lanes with w == 0 take acc unchanged; unmasked: no lane does
    (local.set $keep (v128.const i32x4 0 0 0 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end4)))
        (local.set $off (i32.shl (local.get $k) (i32.const 2)))
        (local.set $a (v128.load (i32.add (local.get $acc) (local.get $off))))
        (local.set $l (v128.load (i32.add (local.get $lg) (local.get $off))))
        (local.set $w (v128.load (i32.add (local.get $wr) (local.get $off))))
        ;; lanes 0, 1
        (local.set $lo
          (f64x2.add (f64x2.promote_low_f32x4 (local.get $a))
                     (f64x2.mul (f64x2.promote_low_f32x4 (local.get $w)) (f64x2.promote_low_f32x4 (local.get $l)))))
        ;; lanes 2, 3 (moved down to be promoted)
        (local.set $hi
          (f64x2.add
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a) (local.get $a)))
            (f64x2.mul
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $w) (local.get $w)))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $l) (local.get $l))))))
        (local.set $r
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
        (if (local.get $masked)
          (then (local.set $keep (f32x4.eq (local.get $w) (v128.const f32x4 0 0 0 0)))))
        (v128.store (i32.add (local.get $acc) (local.get $off))
          (v128.bitselect (local.get $a) (local.get $r) (local.get $keep)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $next)))
    (block $tail
      (loop $one
        (br_if $tail (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $off (i32.shl (local.get $k) (i32.const 2)))
        (local.set $wf (f32.load (i32.add (local.get $wr) (local.get $off))))
        (if (i32.or (i32.eqz (local.get $masked)) (f32.ne (local.get $wf) (f32.const 0)))
          (then
            (f32.store (i32.add (local.get $acc) (local.get $off))
              (f32.demote_f64
                (f64.add (f64.promote_f32 (f32.load (i32.add (local.get $acc) (local.get $off))))
                         (f64.mul (f64.promote_f32 (local.get $wf))
                                  (f64.promote_f32 (f32.load (i32.add (local.get $lg) (local.get $off))))))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $one))))

  ;; addTile(tx, ty, vt, logits, wrow, acc, wsum, vb, W, plane, T, tplane, classes, bandRow, bandCol, tileRow,
  ;;         tileCol, rows, cols): one tile, all its rows and classes, in one call from JavaScript (a call per row
  ;; cost as much as the arithmetic). tx, ty: the tile's tapers (float32, T each); vt: its validity bytes
  ;; (T × tile rows); logits: classes × tplane float32; acc: classes × plane, wsum: plane, vb: plane bytes of the
  ;; band, W columns wide. Rows [tileRow, tileRow + rows) and columns [tileCol, tileCol + cols) of the tile go
  ;; to band rows from bandRow and columns from bandCol.
  (func (export "addTile") (param $tx i32) (param $ty i32) (param $vt i32) (param $lg i32) (param $wrow i32)
        (param $acc i32) (param $wsum i32) (param $vb i32) (param $W i32) (param $plane i32) (param $T i32)
        (param $tplane i32) (param $classes i32) (param $bandRow i32) (param $bandCol i32) (param $tileRow i32)
        (param $tileCol i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $b0 i32) (local $t0 i32) (local $holes i32)
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        ;; b0 = (bandRow + r) * W + bandCol; t0 = (tileRow + r) * T + tileCol
        (local.set $b0 (i32.add (i32.mul (i32.add (local.get $bandRow) (local.get $r)) (local.get $W)) (local.get $bandCol)))
        (local.set $t0 (i32.add (i32.mul (i32.add (local.get $tileRow) (local.get $r)) (local.get $T)) (local.get $tileCol)))
        (local.set $holes
          (call $weights
            (i32.add (local.get $tx) (i32.shl (local.get $tileCol) (i32.const 2)))
            (f32.load (i32.add (local.get $ty) (i32.shl (i32.add (local.get $tileRow) (local.get $r)) (i32.const 2))))
            (i32.add (local.get $vt) (local.get $t0))
            (local.get $wrow)
            (i32.add (local.get $wsum) (i32.shl (local.get $b0) (i32.const 2)))
            (i32.add (local.get $vb) (local.get $b0))
            (local.get $cols)))
        (local.set $c (i32.const 0))
        (block $classesDone
          (loop $class
            (br_if $classesDone (i32.ge_u (local.get $c) (local.get $classes)))
            (call $accumulate
              (i32.add (local.get $acc) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $plane)) (local.get $b0)) (i32.const 2)))
              (i32.add (local.get $lg) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $tplane)) (local.get $t0)) (i32.const 2)))
              (local.get $wrow)
              (local.get $cols)
              (local.get $holes))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $class)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; argmaxMask(acc, wsum, vb, plane, count, classes, out): for pixels i < count of the band, out[i] = the
  ;; class c with the largest acc[c · plane + i] (the first one on ties; a NaN never wins, so all-NaN gives 0),
  ;; or 255 (nodata) where wsum[i] > 0 fails or vb[i] is 0. The same rule as the JavaScript loop it replaces.
  (func (export "argmaxMask") (param $acc i32) (param $wsum i32) (param $vb i32) (param $plane i32)
        (param $count i32) (param $classes i32) (param $out i32)
    (local $i i32) (local $end4 i32) (local $c i32) (local $p i32) (local $max v128) (local $best v128)
    (local $v v128) (local $gt v128) (local $ok v128) (local $maxf f32) (local $bestc i32) (local $vf f32)
    (local.set $end4 (i32.and (local.get $count) (i32.const -4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $max (v128.const f32x4 -inf -inf -inf -inf))
        (local.set $best (v128.const i32x4 0 0 0 0))
        (local.set $c (i32.const 0))
        (local.set $p (i32.add (local.get $acc) (i32.shl (local.get $i) (i32.const 2))))
        (block $classesDone
          (loop $class
            (br_if $classesDone (i32.ge_u (local.get $c) (local.get $classes)))
            (local.set $v (v128.load (local.get $p)))
            (local.set $gt (f32x4.gt (local.get $v) (local.get $max)))
            (local.set $max (v128.bitselect (local.get $v) (local.get $max) (local.get $gt)))
            (local.set $best (v128.bitselect (i32x4.splat (local.get $c)) (local.get $best) (local.get $gt)))
            (local.set $p (i32.add (local.get $p) (i32.shl (local.get $plane) (i32.const 2))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $class)))
        (local.set $ok
          (v128.and
            (f32x4.gt (v128.load (i32.add (local.get $wsum) (i32.shl (local.get $i) (i32.const 2)))) (v128.const f32x4 0 0 0 0))
            (i32x4.ne
              (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (i32.add (local.get $vb) (local.get $i)))))
              (v128.const i32x4 0 0 0 0))))
        (local.set $best (v128.bitselect (local.get $best) (v128.const i32x4 255 255 255 255) (local.get $ok)))
        (v128.store32_lane 0 (i32.add (local.get $out) (local.get $i))
          (i8x16.narrow_i16x8_u (i16x8.narrow_i32x4_u (local.get $best) (local.get $best))
                                (i16x8.narrow_i32x4_u (local.get $best) (local.get $best))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (block $tail
      (loop $one
        (br_if $tail (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $bestc (i32.const 255))
        (if (i32.and
              (f32.gt (f32.load (i32.add (local.get $wsum) (i32.shl (local.get $i) (i32.const 2)))) (f32.const 0))
              (i32.ne (i32.load8_u (i32.add (local.get $vb) (local.get $i))) (i32.const 0)))
          (then
            (local.set $maxf (f32.const -inf))
            (local.set $bestc (i32.const 0))
            (local.set $c (i32.const 0))
            (local.set $p (i32.add (local.get $acc) (i32.shl (local.get $i) (i32.const 2))))
            (block $cd
              (loop $cl
                (br_if $cd (i32.ge_u (local.get $c) (local.get $classes)))
                (local.set $vf (f32.load (local.get $p)))
                (if (f32.gt (local.get $vf) (local.get $maxf))
                  (then (local.set $maxf (local.get $vf)) (local.set $bestc (local.get $c))))
                (local.set $p (i32.add (local.get $p) (i32.shl (local.get $plane) (i32.const 2))))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $cl)))))
        (i32.store8 (i32.add (local.get $out) (local.get $i)) (local.get $bestc))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $one)))))
