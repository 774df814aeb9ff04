// Memory management of the WebAssembly heap of backend-cpu: a TLSF allocator (AssemblyScript's
// runtime, O(1) allocation and release, neighbouring free blocks merged), 16-byte aligned blocks,
// memory grown on demand. JavaScript keeps float32 tensors in blocks of this heap.

/** A block of at least `bytes` bytes, zero-filled, 16-byte aligned. Traps when memory cannot grow. */
export function alloc(bytes: usize): usize {
  const ptr = heap.alloc(bytes);
  memory.fill(ptr, 0, bytes);
  return ptr;
}

/** A block of at least `bytes` bytes with unspecified contents. */
export function allocUninit(bytes: usize): usize {
  return heap.alloc(bytes);
}

/** Returns a block to the allocator. */
export function free(ptr: usize): void {
  heap.free(ptr);
}
