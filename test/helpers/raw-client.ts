import { connect, type Socket } from 'node:net';

/** A raw client: what the server sent, and how the connection ended. */
export function rawClient(port: number): { socket: Socket; received: () => string; ended: Promise<'end' | string>; waitFor: (text: string) => Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let raw = '';
  const watchers = new Set<() => void>();
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
    for (const watcher of watchers) watcher();
  });
  const ended = new Promise<'end' | string>((resolve) => {
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    socket.on('close', () => resolve('end'));
  });
  const waitFor = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(text)} within 5 s; received ${JSON.stringify(raw)}`)), 5_000);
      const check = (): void => {
        if (!raw.includes(text)) return;
        clearTimeout(timer);
        watchers.delete(check);
        resolve();
      };
      watchers.add(check);
      void ended.then(() => watchers.has(check) && (clearTimeout(timer), reject(new Error(`connection ended before ${JSON.stringify(text)}; received ${JSON.stringify(raw)}`))));
      check();
    });
  return { socket, received: () => raw, ended, waitFor };
}
