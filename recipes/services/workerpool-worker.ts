import workerpool from 'workerpool';

// Stands in for CPU-bound work such as resizing an image: it blocks its thread for `ms`, as such work does.
function resize({ id, ms }: { id: number; ms: number }): number {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return id;
}

workerpool.worker({ resize });
