// Guarantee 7 (exit codes): which code each run ends with.
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXIT_CODES, exitCodeOf, outcomeOf, type RunFacts } from '../../src/exit/exit-code.js';

const facts = (overrides: Partial<RunFacts>): RunFacts => ({ forcedCode: undefined, requestedCode: undefined, errored: false, startUpFailed: false, failed: false, ...overrides });

describe('outcomeOf and exitCodeOf', () => {
  const cases: [name: string, facts: RunFacts, outcome: string, code: number][] = [
    ['every step finished', facts({}), 'clean', 0],
    ['a hook failed or a task was abandoned', facts({ failed: true }), 'failed', 1],
    ['an uncaught error started it or happened in it', facts({ errored: true, failed: true }), 'error', 1],
    ['the start-up failed', facts({ startUpFailed: true }), 'failed', 1],
    ['a code was asked for: it wins over the outcome', facts({ requestedCode: 78, errored: true }), 'error', 78],
    ['a repeated signal forced it: 128 + n wins over everything', facts({ forcedCode: 130, requestedCode: 78, errored: true }), 'forced', 130],
  ];
  for (const [name, runFacts, outcome, code] of cases) {
    it(`${name}: ${outcome}, ${code}`, () => {
      expect(outcomeOf(runFacts)).toBe(outcome);
      expect(exitCodeOf(runFacts, DEFAULT_EXIT_CODES)).toBe(code);
    });
  }

  it('takes the codes per outcome from options.exitCodes', () => {
    const codes = { clean: 10, failed: 70, error: 71, startUp: 72 };
    expect(exitCodeOf(facts({}), codes)).toBe(10);
    expect(exitCodeOf(facts({ failed: true }), codes)).toBe(70);
    expect(exitCodeOf(facts({ errored: true }), codes)).toBe(71);
    expect(exitCodeOf(facts({ startUpFailed: true, failed: true }), codes)).toBe(72);
  });
});
