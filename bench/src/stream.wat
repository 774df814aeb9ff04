;; Streaming probes for the bandwidth floor: the memory access pattern of an optimizer update with
;; next to no arithmetic (one 128-bit add per stored vector). Arrays of n float32 values (n a
;; multiple of 4) at byte addresses in this module's memory.
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
        (br $next)))))
