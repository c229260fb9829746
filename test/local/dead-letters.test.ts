import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DeadLetter, DeadLetters } from '../../local/dead-letters.ts';

const dir = mkdtempSync(join(tmpdir(), 'dead-letters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const timer = (i: number): DeadLetter => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  functionId: 'scheduler',
  source: 'scheduler',
  condition: 'RetryAttemptsExhausted',
  attempts: 1,
  record: {},
  target: { Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:gone', Input: JSON.stringify({ incidentId: `i${i}` }) },
});
const inputs = (deadLetters: DeadLetters) => deadLetters.list().map((d) => JSON.parse((d.target as { Input: string }).Input).incidentId as string);

describe('local dead letters', () => {
  it('persisted to a state file, every one is kept until replayed, beyond the in-memory capacity, across a restart', () => {
    const stateFile = join(dir, 'dead-letters.json');
    const lines: string[] = [];
    const deadLetters = new DeadLetters(3, (line) => lines.push(line), stateFile);
    for (let i = 0; i < 5; i++) deadLetters.add(timer(i));
    expect(inputs(deadLetters)).toEqual(['i0', 'i1', 'i2', 'i3', 'i4']);
    expect(lines.filter((l) => l.includes('dropped'))).toEqual([]);
    expect(inputs(new DeadLetters(3, () => undefined, stateFile))).toEqual(['i0', 'i1', 'i2', 'i3', 'i4']);
  });

  it('in memory only, the oldest beyond the capacity are dropped, each with a warning line', () => {
    const lines: string[] = [];
    const deadLetters = new DeadLetters(3, (line) => lines.push(line));
    for (let i = 0; i < 5; i++) deadLetters.add(timer(i));
    expect(inputs(deadLetters)).toEqual(['i2', 'i3', 'i4']);
    const dropped = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn');
    expect(dropped).toMatchObject([
      { message: 'dead letter dropped: more than 3 held in memory (no state file)', at: timer(0).at, queue: 'open-itsm-sla-timers-dead-letters' },
      { message: 'dead letter dropped: more than 3 held in memory (no state file)', at: timer(1).at },
    ]);
  });
});
