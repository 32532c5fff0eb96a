import type { Log } from '../report/log.js';
import { atInstant } from '../sequence/deadline.js';
import { describeActiveResources } from './active-resources.js';

/** With `exit: false`: if the process is still alive at `instant`, says what holds it open. */
export function warnIfLingering(log: Log, instant: number): void {
  atInstant(instant, () => log.warn(`process still running after the shutdown; it is held open by: ${describeActiveResources()}`), { unref: true });
}
