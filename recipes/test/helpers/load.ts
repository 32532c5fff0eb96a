import { Agent, request } from 'node:http';

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly connection: string | undefined;
}

/** One GET (or POST) over loopback; rejects with the socket error, marked with whether the socket was reused. */
export function send(port: number, path: string, { agent, method = 'GET', id }: { agent?: Agent; method?: string; id?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = id === undefined ? {} : { 'x-load-id': id };
    const req = request({ host: '127.0.0.1', port, path, method, agent: agent ?? false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection }));
      res.on('error', reject);
    });
    req.on('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
    req.end();
  });
}

export interface LoadResult {
  readonly sent: number;
  /** Answered with a 2xx status. */
  readonly answered: number;
  /** Sent before the signal and answered after it: the requests the drain had to finish. */
  readonly inFlightAtSignal: number;
  /** Every request the server read that got no 2xx answer, and any other failure, with why: must be empty. */
  readonly failures: string[];
  /**
   * Requests reset on a reused keep-alive socket that the server never read: sent as the drain
   * closed that socket after it had been idle for 100 ms (guarantee 11's one window). A load
   * balancer retries them; a slow client on a loaded machine meets them. Each is how long its
   * socket had been idle when it was sent, in ms.
   */
  readonly unreadResets: number[];
  readonly bodies: string[];
}

/**
 * `clients` keep-alive clients, each sending its next request once the last is answered, as a
 * load balancer's connections do. A client stops once an answer says `Connection: close` (the
 * instance is going away: a real client would go elsewhere), so every request sent here reached
 * a server that had accepted its connection, and each one must be answered. Bounded to 1,000
 * requests a client.
 */
export function keepAliveLoad(
  port: number,
  path: string,
  { clients = 8, method = 'GET', seen }: { clients?: number; method?: string; seen: ReadonlySet<string> },
) {
  let sent = 0;
  let signalAt = Infinity;
  let stopped = false;
  const answered: { id: string; sentAt: number; at: number; body: string }[] = [];
  const failures: string[] = [];
  const resets: { id: string; what: string; idleMs: number }[] = [];
  const waiters = new Set<() => void>();
  const client = async (c: number): Promise<void> => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let lastAnswerAt = performance.now();
    try {
      for (let i = 0; i < 1_000 && !stopped; i++) {
        const sentAt = performance.now();
        const id = `c${c}-r${i}`;
        sent++;
        try {
          const answer = await send(port, path, { agent, method, id });
          if (answer.status < 200 || answer.status > 299) failures.push(`client ${c} request ${i}: ${answer.status} ${answer.body}`);
          else answered.push({ id, sentAt, at: performance.now(), body: answer.body });
          lastAnswerAt = performance.now();
          for (const waiter of waiters) waiter();
          if (answer.connection === 'close') break;
        } catch (error) {
          const { code, reusedSocket } = error as NodeJS.ErrnoException & { reusedSocket?: boolean };
          const idleMs = Math.round(sentAt - lastAnswerAt);
          const reused = reusedSocket ? ` (reused socket, sent ${idleMs} ms after its previous answer)` : '';
          const what = `client ${c} request ${i}: ${code ?? String(error)}${reused}`;
          if (code === 'ECONNRESET' && reusedSocket) resets.push({ id, what, idleMs });
          else failures.push(what);
          break;
        }
      }
    } finally {
      agent.destroy();
    }
  };
  const running = Array.from({ length: clients }, (_, c) => client(c));
  return {
    /** Resolves once `count` requests have been answered (bounded by the caller's test timeout). */
    answeredAtLeast: (count: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => void (answered.length >= count && (waiters.delete(check), resolve()));
        waiters.add(check);
        check();
      }),
    /** Marks when the signal was sent, to count the requests in flight at it. */
    signalled: (at: number): void => void (signalAt = at),
    /** Waits for every client to stop (they stop by themselves once told the instance is going away). */
    async finish(): Promise<LoadResult> {
      await Promise.all(running);
      return {
        sent,
        answered: answered.length,
        inFlightAtSignal: answered.filter((each) => each.sentAt < signalAt && each.at > signalAt).length,
        // An answered request the preload did not report would make every unread reset suspect.
        failures: [...failures, ...answered.filter((each) => !seen.has(each.id)).map((each) => `${each.id}: answered, yet not reported as read`), ...resets.filter((each) => seen.has(each.id)).map((each) => `${each.what}, after the server had read it`)],
        unreadResets: resets.filter((each) => !seen.has(each.id)).map((each) => each.idleMs),
        bodies: answered.map((each) => each.body),
      };
    },
    stop: (): void => void (stopped = true),
  };
}
