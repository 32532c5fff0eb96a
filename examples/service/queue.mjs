// An in-process message queue with at-least-once delivery: a message taken is either
// acknowledged or handed back (nack) to be redelivered; one that is neither is lost.
export function createQueue(messages) {
  const ready = [...messages];
  const waiting = [];
  let open = true;
  return {
    receive(signal) {
      if (!open) return Promise.resolve(undefined);
      if (ready.length > 0) return Promise.resolve(ready.shift());
      return new Promise((resolve) => {
        const waiter = (message) => resolve(message);
        waiting.push(waiter);
        signal.addEventListener('abort', () => {
          const index = waiting.indexOf(waiter);
          if (index !== -1) waiting.splice(index, 1);
          resolve(undefined);
        }, { once: true });
      });
    },
    /** Stops delivering: waiting receivers get nothing, handed-back messages stay for the next instance. */
    close() {
      open = false;
      for (const waiter of waiting.splice(0)) waiter(undefined);
    },
    nack(message) {
      if (!open) return void ready.unshift(message);
      const waiter = waiting.shift();
      if (waiter) waiter(message);
      else ready.unshift(message);
    },
  };
}
