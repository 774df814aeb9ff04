;; Probes for the floors of an optimizer update: streams with its memory access pattern and next to
;; no arithmetic (one 128-bit add per stored vector), its square roots and divisions alone, and Adam's
;; whole update written by hand. Arrays of n float32 values (n a multiple of 4; of 8 for `adamLoop`)
;; at byte addresses in this module's memory.
(module
  (memory (export "memory") 1)
  ;; Adam's pattern: read p, g, m, v; write p, m, v (28 bytes per element).
  (func (export "stream4") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (local $end i32) (local $gv v128)
    (local.set $end (i32.add (local.get $g) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $gv (v128.load (local.get $g)))
        (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $gv)))
        (v128.store (local.get $m) (f32x4.add (v128.load (local.get $m)) (local.get $gv)))
        (v128.store (local.get $v) (f32x4.add (v128.load (local.get $v)) (local.get $gv)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $m (i32.add (local.get $m) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (br $next))))
  ;; SGD-momentum's and RMSProp's pattern: read p, g, s; write p, s (20 bytes per element).
  (func (export "stream3") (param $p i32) (param $g i32) (param $s i32) (param $n i32)
    (local $end i32) (local $gv v128)
    (local.set $end (i32.add (local.get $g) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $gv (v128.load (local.get $g)))
        (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $gv)))
        (v128.store (local.get $s) (f32x4.add (v128.load (local.get $s)) (local.get $gv)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (br $next))))
  ;; The arithmetic floor of Adam and RMSProp: each element's one square root and one division, on
  ;; values already in registers (no memory traffic). Eight independent vectors per iteration (32
  ;; elements), so the SIMD units' throughput, not one chain's latency, bounds it: on the AMD EPYC
  ;; of docs/benchmarks.md, 16 chains, or inputs that do not depend on the previous iteration (only
  ;; the accumulating adds carried), took the same 5.05-5.15 ms per 1e7 elements on one thread as
  ;; these 8. Returns a lane so nothing is optimised away.
  (func (export "arith") (param $n i32) (result f32)
    (local $i i32) (local $e v128)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $f v128) (local $g v128) (local $h v128) (local $k v128)
    (local.set $e (f32x4.splat (f32.const 1e-8)))
    (local.set $a (f32x4.splat (f32.const 1.5)))
    (local.set $b (f32x4.splat (f32.const 2.5)))
    (local.set $c (f32x4.splat (f32.const 3.5)))
    (local.set $d (f32x4.splat (f32.const 4.5)))
    (local.set $f (f32x4.splat (f32.const 5.5)))
    (local.set $g (f32x4.splat (f32.const 6.5)))
    (local.set $h (f32x4.splat (f32.const 7.5)))
    (local.set $k (f32x4.splat (f32.const 8.5)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a (f32x4.div (local.get $a) (f32x4.add (f32x4.sqrt (local.get $a)) (local.get $e))))
        (local.set $b (f32x4.div (local.get $b) (f32x4.add (f32x4.sqrt (local.get $b)) (local.get $e))))
        (local.set $c (f32x4.div (local.get $c) (f32x4.add (f32x4.sqrt (local.get $c)) (local.get $e))))
        (local.set $d (f32x4.div (local.get $d) (f32x4.add (f32x4.sqrt (local.get $d)) (local.get $e))))
        (local.set $f (f32x4.div (local.get $f) (f32x4.add (f32x4.sqrt (local.get $f)) (local.get $e))))
        (local.set $g (f32x4.div (local.get $g) (f32x4.add (f32x4.sqrt (local.get $g)) (local.get $e))))
        (local.set $h (f32x4.div (local.get $h) (f32x4.add (f32x4.sqrt (local.get $h)) (local.get $e))))
        (local.set $k (f32x4.div (local.get $k) (f32x4.add (f32x4.sqrt (local.get $k)) (local.get $e))))
        (local.set $i (i32.add (local.get $i) (i32.const 32)))
        (br $next)))
    (f32x4.extract_lane 0
      (f32x4.add
        (f32x4.add (f32x4.add (local.get $a) (local.get $b)) (f32x4.add (local.get $c) (local.get $d)))
        (f32x4.add (f32x4.add (local.get $f) (local.get $g)) (f32x4.add (local.get $h) (local.get $k))))))  ;; Adam's update written by hand, the fastest form found for WebAssembly SIMD: an attainable floor
  ;; next to the two above, which each leave out half of the work (the stream the arithmetic, the
  ;; arithmetic the memory). Per element: m = b1·m + (1 − b1)·g; v = b2·v + (1 − b2)·g²;
  ;; p = p − lr·(m·c1) / (√(v·c2) + ε), the bias corrections c1, c2 as multiplications (as the update
  ;; programs do), two vectors (8 elements) per iteration (one vector: about 1.2× slower on the AMD
  ;; EPYC of docs/benchmarks.md at 1e7 on two threads; four: the same as two). Reads p, g, m, v and
  ;; writes p, m, v, as `stream4`; n a multiple of 8.
  (func (export "adamLoop") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (local $end i32) (local $g0 v128) (local $m0 v128) (local $v0 v128) (local $g1 v128) (local $m1 v128) (local $v1 v128)
    (local $b1 v128) (local $nb1 v128) (local $b2 v128) (local $nb2 v128) (local $c1 v128) (local $c2 v128) (local $eps v128) (local $lr v128)
    (local.set $b1 (f32x4.splat (f32.const 0.9)))
    (local.set $nb1 (f32x4.splat (f32.const 0.1)))
    (local.set $b2 (f32x4.splat (f32.const 0.999)))
    (local.set $nb2 (f32x4.splat (f32.const 0.001)))
    (local.set $c1 (f32x4.splat (f32.const 1.5)))
    (local.set $c2 (f32x4.splat (f32.const 1.25)))
    (local.set $eps (f32x4.splat (f32.const 1e-8)))
    (local.set $lr (f32x4.splat (f32.const 1e-3)))
    (local.set $end (i32.add (local.get $g) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
        (local.set $g0 (v128.load offset=0 (local.get $g)))
        (local.set $g1 (v128.load offset=16 (local.get $g)))
        (local.set $m0 (f32x4.add (f32x4.mul (local.get $b1) (v128.load offset=0 (local.get $m))) (f32x4.mul (local.get $nb1) (local.get $g0))))
        (local.set $m1 (f32x4.add (f32x4.mul (local.get $b1) (v128.load offset=16 (local.get $m))) (f32x4.mul (local.get $nb1) (local.get $g1))))
        (local.set $v0 (f32x4.add (f32x4.mul (local.get $b2) (v128.load offset=0 (local.get $v))) (f32x4.mul (local.get $nb2) (f32x4.mul (local.get $g0) (local.get $g0)))))
        (local.set $v1 (f32x4.add (f32x4.mul (local.get $b2) (v128.load offset=16 (local.get $v))) (f32x4.mul (local.get $nb2) (f32x4.mul (local.get $g1) (local.get $g1)))))
        (v128.store offset=0 (local.get $m) (local.get $m0))
        (v128.store offset=16 (local.get $m) (local.get $m1))
        (v128.store offset=0 (local.get $v) (local.get $v0))
        (v128.store offset=16 (local.get $v) (local.get $v1))
        (v128.store offset=0 (local.get $p)
          (f32x4.sub (v128.load offset=0 (local.get $p))
            (f32x4.mul (local.get $lr)
              (f32x4.div (f32x4.mul (local.get $m0) (local.get $c1))
                (f32x4.add (f32x4.sqrt (f32x4.mul (local.get $v0) (local.get $c2))) (local.get $eps))))))
        (v128.store offset=16 (local.get $p)
          (f32x4.sub (v128.load offset=16 (local.get $p))
            (f32x4.mul (local.get $lr)
              (f32x4.div (f32x4.mul (local.get $m1) (local.get $c1))
                (f32x4.add (f32x4.sqrt (f32x4.mul (local.get $v1) (local.get $c2))) (local.get $eps))))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (local.set $g (i32.add (local.get $g) (i32.const 32)))
        (local.set $m (i32.add (local.get $m) (i32.const 32)))
        (local.set $v (i32.add (local.get $v) (i32.const 32)))
        (br $next))))
)
