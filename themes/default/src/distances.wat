;; Integer squared distances over the int8 averager table, with 128-bit SIMD: the kernels of
;; js/averager.js (`between` and `more_like`), embedded there as DISTANCES_WASM (see README.md
;; here). Every result equals the plain JavaScript loops bit for bit (integer sums; the f64 steps
;; of `near` run in the order docs/averager.md gives).
;;
;; Memory: the table at offset 0 (n rows of `chunks` 16-byte chunks: dims = 16 * chunks), then
;; whatever the caller places after it (query vectors, outputs), all addresses in bytes.
(module
  (memory (export "memory") 1)

  ;; D(x, j) for one table row j and one query vector at address x: sum of squared differences.
  (func $dist (param $row i32) (param $x i32) (param $chunks i32) (result i32)
    (local $acc v128) (local $v v128) (local $w v128) (local $lo v128) (local $hi v128) (local $c i32)
    (local.set $acc (v128.const i32x4 0 0 0 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (local.get $chunks)))
        (local.set $v (v128.load (local.get $row)))
        (local.set $w (v128.load (local.get $x)))
        (local.set $lo (i16x8.sub (i16x8.extend_low_i8x16_s (local.get $v)) (i16x8.extend_low_i8x16_s (local.get $w))))
        (local.set $hi (i16x8.sub (i16x8.extend_high_i8x16_s (local.get $v)) (i16x8.extend_high_i8x16_s (local.get $w))))
        (local.set $acc (i32x4.add (local.get $acc)
          (i32x4.add (i32x4.dot_i16x8_s (local.get $lo) (local.get $lo)) (i32x4.dot_i16x8_s (local.get $hi) (local.get $hi)))))
        (local.set $row (i32.add (local.get $row) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $next)))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))

  ;; outA[j] = D(a, j), outB[j] = D(b, j) for j in 0..n-1 (i32 each); a, b: addresses of the two vectors.
  (func (export "dist2") (param $n i32) (param $chunks i32) (param $a i32) (param $b i32) (param $outA i32) (param $outB i32)
    (local $j i32) (local $row i32) (local $stride i32)
    (local.set $stride (i32.shl (local.get $chunks) (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (i32.store (local.get $outA) (call $dist (local.get $row) (local.get $a) (local.get $chunks)))
        (i32.store (local.get $outB) (call $dist (local.get $row) (local.get $b) (local.get $chunks)))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (local.set $outA (i32.add (local.get $outA) (i32.const 4)))
        (local.set $outB (i32.add (local.get $outB) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next))))

  ;; near for 16-dim tables: out[j] = sum over the m query vectors (in order) of 1 / (1 + c * D(q, j)).
  ;; qs holds each query vector widened to 16 i16 (32 bytes: low half, high half), so each row is
  ;; widened once and each query term is two subtractions, two dot products and a lane sum.
  (func (export "near16") (param $n i32) (param $qs i32) (param $m i32) (param $c f64) (param $out i32)
    (local $j i32) (local $row i32) (local $x i32) (local $end i32) (local $sum f64)
    (local $lo v128) (local $hi v128) (local $dl v128) (local $dh v128) (local $acc v128)
    (local.set $end (i32.add (local.get $qs) (i32.shl (local.get $m) (i32.const 5))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $lo (i16x8.extend_low_i8x16_s (v128.load (local.get $row))))
        (local.set $hi (i16x8.extend_high_i8x16_s (v128.load (local.get $row))))
        (local.set $sum (f64.const 0))
        (local.set $x (local.get $qs))
        (block $qdone
          (loop $q
            (br_if $qdone (i32.ge_u (local.get $x) (local.get $end)))
            (local.set $dl (i16x8.sub (local.get $lo) (v128.load (local.get $x))))
            (local.set $dh (i16x8.sub (local.get $hi) (v128.load offset=16 (local.get $x))))
            (local.set $acc (i32x4.add (i32x4.dot_i16x8_s (local.get $dl) (local.get $dl)) (i32x4.dot_i16x8_s (local.get $dh) (local.get $dh))))
            (local.set $acc (i32x4.add (local.get $acc)
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc))))
            (local.set $acc (i32x4.add (local.get $acc)
              (i8x16.shuffle 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 (local.get $acc) (local.get $acc))))
            (local.set $sum (f64.add (local.get $sum)
              (f64.div (f64.const 1)
                (f64.add (f64.const 1) (f64.mul (local.get $c) (f64.convert_i32_s (i32x4.extract_lane 0 (local.get $acc))))))))
            (local.set $x (i32.add (local.get $x) (i32.const 32)))
            (br $q)))
        (f64.store (local.get $out) (local.get $sum))
        (local.set $row (i32.add (local.get $row) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next))))

  ;; out[j] = sum over the m query vectors at address qs (in order) of 1 / (1 + c * D(q, j)) (f64 each).
  (func (export "near") (param $n i32) (param $chunks i32) (param $qs i32) (param $m i32) (param $c f64) (param $out i32)
    (local $j i32) (local $row i32) (local $stride i32) (local $p i32) (local $x i32) (local $sum f64)
    (local.set $stride (i32.shl (local.get $chunks) (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $sum (f64.const 0))
        (local.set $p (i32.const 0))
        (local.set $x (local.get $qs))
        (block $qdone
          (loop $q
            (br_if $qdone (i32.ge_u (local.get $p) (local.get $m)))
            (local.set $sum (f64.add (local.get $sum)
              (f64.div (f64.const 1)
                (f64.add (f64.const 1) (f64.mul (local.get $c) (f64.convert_i32_s (call $dist (local.get $row) (local.get $x) (local.get $chunks))))))))
            (local.set $x (i32.add (local.get $x) (local.get $stride)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $q)))
        (f64.store (local.get $out) (local.get $sum))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))))
