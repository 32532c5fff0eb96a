import { Agent } from 'node:http';
import { get } from './http.js';

/** What a closed loop of keep-alive clients saw, against what the server accepted. */
export interface LoadResult {
  readonly accepted: number;
  readonly answered: number;
  /** Requests the server printed `got:<id>` for that got no answer: must be none. */
  readonly acceptedButFailed: string[];
  /** Connections refused once the listener had closed: expected, and retried elsewhere by real clients. */
  readonly refused: number;
  /**
   * New connections reset before the server saw their request: the kernel resets what is still in
   * its accept queue when the listener closes. Like a refusal, the request never reached the
   * application; no server can close its listener without this window.
   */
  readonly resetFromQueue: number;
  /** Any other failure, on a request the server never saw (a reused socket reset, say): must be none. */
  readonly otherFailures: string[];
}

/**
 * Starts `clients` keep-alive clients, each sending its next request as soon as the last is
 * answered, until its connection is refused or `stop()`; bounded to 2,000 requests each.
 */
export function closedLoop(port: number, path: string, clients: number) {
  const answered = new Set<string>();
  const failed = new Map<string, string>();
  let stopped = false;
  const client = async (c: number): Promise<void> => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 2_000 && !stopped; i++) {
      const id = `w${c}-${i}`;
      try {
        await get(port, path, { agent, id });
        answered.add(id);
      } catch (error) {
        const { code = String(error), reusedSocket } = error as NodeJS.ErrnoException & { reusedSocket?: boolean };
        failed.set(id, code === 'ECONNRESET' && reusedSocket === false ? 'reset from the accept queue' : code);
        if (code === 'ECONNREFUSED') break;
      }
    }
    agent.destroy();
  };
  const running = Array.from({ length: clients }, (_, c) => client(c));
  return {
    /** Stops the clients and compares what they saw with the ids the server printed. */
    async finish(serverStdout: string): Promise<LoadResult> {
      stopped = true;
      await Promise.all(running);
      const accepted = serverStdout.split('\n').filter((line) => line.startsWith('got:')).map((line) => line.slice(4));
      const acceptedSet = new Set(accepted);
      return {
        accepted: accepted.length,
        answered: answered.size,
        acceptedButFailed: accepted.filter((id) => !answered.has(id)).map((id) => `${id}:${failed.get(id) ?? 'no answer'}`),
        refused: [...failed.values()].filter((reason) => reason === 'ECONNREFUSED').length,
        resetFromQueue: [...failed].filter(([id, reason]) => reason === 'reset from the accept queue' && !acceptedSet.has(id)).length,
        otherFailures: [...failed]
          .filter(([id, reason]) => reason !== 'ECONNREFUSED' && reason !== 'reset from the accept queue' && !acceptedSet.has(id))
          .map(([id, reason]) => `${id}:${reason}`),
      };
    },
  };
}
