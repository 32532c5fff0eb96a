import { expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { recordCounts } from './helpers/counts.js';
import { freePort, startService } from './helpers/service.js';

interface Client {
  sent: number;
  done: number;
  refused: number;
  wrong: string[];
  closeCode?: number;
  /** The messages answered `done`, by number. */
  answered: Set<number>;
  closed: Promise<void>;
}

/** A client that sends its next message once the last is answered, until the server closes it (bounded). */
function client(port: number, c: number, onDone: () => void): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  const state: Client = { sent: 0, done: 0, refused: 0, wrong: [], answered: new Set(), closed: Promise.resolve() };
  const next = (): void => {
    if (state.sent >= 1_000) return void ws.close();
    ws.send(`c${c}-m${state.sent++}`);
  };
  state.closed = new Promise((resolve) => ws.on('close', (code) => ((state.closeCode = code), resolve())));
  ws.on('message', (data) => {
    const text = String(data);
    const expected = `c${c}-m${state.sent - 1}`;
    if (text === `done ${expected}`) {
      state.answered.add(state.sent - 1);
      state.done++;
      onDone();
    } else if (text === `refused ${expected}: shutting down`) state.refused++;
    else state.wrong.push(text);
    next();
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => (next(), resolve(state)));
    ws.once('error', reject);
  });
}

it('ws: SIGTERM with 10 WebSockets mid-conversation: replies under way go out, then close 1001 at once; exit 0', async () => {
  const port = await freePort();
  const service = startService('ws', { PORT: String(port), HOST: '127.0.0.1' });
  await service.waitFor('lastcall: started in');
  let done = 0;
  let twoRounds!: () => void;
  const answeredTwice = new Promise<void>((resolve) => (twoRounds = resolve));
  const clients = await Promise.all(Array.from({ length: 10 }, (_, c) => client(port, c, () => ++done === 20 && twoRounds())));
  await answeredTwice;
  // The clients move in step (each message takes 200 ms): this puts the SIGTERM in the middle of a
  // round's work. The assertions hold wherever it lands; here they tell an early close apart.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const outstanding = clients.map((each) => each.sent - 1);
  const signalledAt = service.kill('SIGTERM');
  const ended = await service.ended();
  await Promise.all(clients.map((each) => each.closed));
  const ms = Math.round(ended.at - signalledAt);
  expect(clients.flatMap((each) => each.wrong)).toEqual([]);
  expect(clients.map((each) => each.closeCode)).toEqual(clients.map(() => 1001));
  // The message each client had under way at the SIGTERM was answered before its close frame.
  expect(clients.filter((each, i) => !each.answered.has(outstanding[i]!)).length).toBe(0);
  // A client can have one message unanswered: sent as the close frame was already on its way, which
  // the protocol forbids answering. Every other message was answered, or refused in so many words.
  const unanswered = clients.map((each) => each.sent - each.done - each.refused);
  expect(unanswered.every((count) => count === 0 || count === 1)).toBe(true);
  // The close frames went out when close-http started, not at its deadline (over 7 s away).
  expect(ms).toBeLessThan(2_000);
  expect(ended.output).toMatch(/lastcall: shutdown clean in \d+ ms: exit code 0/);
  expect(ended.code).toBe(0);
  const sum = (pick: (each: Client) => number): number => clients.reduce((total, each) => total + pick(each), 0);
  recordCounts(
    'ws',
    `10 WebSockets: ${sum((each) => each.sent)} messages sent, ${done} answered, ${sum((each) => each.refused)} refused while closing, ${unanswered.reduce((a, b) => a + b, 0)} crossed the close frame; all closed 1001; exit 0 in ${ms} ms`,
  );
});
