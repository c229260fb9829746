import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationUsesDays, formatDuration, parseDuration } from '../../functions/sla/domain/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['PT0S', 0],
    ['PT30S', 30],
    ['PT15M', 900],
    ['PT4H', 14_400],
    ['PT1H30M5S', 5_405],
    ['PT90M', 5_400],
    ['P2D', 172_800],
    ['P1DT2H', 93_600],
    ['P1W', 604_800],
    ['P1W2D', 777_600],
    ['P0D', 0],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each([
    ['', 'empty'],
    ['P', 'no part'],
    ['PT', 'no time part after T'],
    ['P1DT', 'T without a time part'],
    ['P1Y', 'years vary in length'],
    ['P1M', 'months vary in length'],
    ['P1Y2D', 'years vary in length'],
    ['-PT1H', 'negative'],
    ['PT-1H', 'negative part'],
    ['PT1.5S', 'fraction'],
    ['PT0,5S', 'fraction with comma'],
    ['P1H', 'hours without T'],
    ['PT1S2M', 'parts out of order'],
    ['PT1H1H', 'a part twice'],
    ['pt1h', 'lower case'],
    [' PT1H', 'leading space'],
    ['PT1H ', 'trailing space'],
    ['1H', 'no P'],
    ['PT99999999999999999999S', 'beyond exact arithmetic'],
  ])('refuses %j (%s)', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('adds up any combination of parts', () => {
    const part = fc.option(fc.nat({ max: 10_000 }), { nil: undefined });
    fc.assert(
      fc.property(fc.record({ weeks: part, days: part, hours: part, minutes: part, seconds: part }), (parts) => {
        const date = `${parts.weeks === undefined ? '' : `${parts.weeks}W`}${parts.days === undefined ? '' : `${parts.days}D`}`;
        const time = `${parts.hours === undefined ? '' : `${parts.hours}H`}${parts.minutes === undefined ? '' : `${parts.minutes}M`}${parts.seconds === undefined ? '' : `${parts.seconds}S`}`;
        const text = `P${date}${time === '' ? '' : `T${time}`}`;
        const expected =
          (parts.weeks ?? 0) * 604_800 + (parts.days ?? 0) * 86_400 + (parts.hours ?? 0) * 3_600 + (parts.minutes ?? 0) * 60 + (parts.seconds ?? 0);
        expect(parseDuration(text)).toBe(date === '' && time === '' ? undefined : expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('durationUsesDays', () => {
  it.each([
    ['P1D', true],
    ['P1W', true],
    ['P1DT4H', true],
    ['P0D', true],
    ['PT24H', false],
    ['PT15M', false],
    ['P1M', false],
    ['nonsense', false],
  ])('%s -> %s', (text, expected) => {
    expect(durationUsesDays(text)).toBe(expected);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, 'PT0S'],
    [45, 'PT45S'],
    [900, 'PT15M'],
    [14_400, 'PT4H'],
    [99_005, 'PT27H30M5S'],
    [3_605, 'PT1H5S'],
    [86_400 * 3, 'PT72H'],
    [59.999, 'PT59S'],
    [0.5, 'PT0S'],
  ])('%d seconds -> %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d seconds', (seconds) => {
    expect(() => formatDuration(seconds)).toThrow(RangeError);
  });

  it('round-trips through parseDuration, floored', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), (seconds) => {
        const text = formatDuration(seconds);
        expect(text).toMatch(/^PT(?:\d+H)?(?:\d+M)?(?:\d+S)?$/);
        expect(text).not.toMatch(/D|W/);
        expect(parseDuration(text)).toBe(Math.floor(seconds));
      }),
      { numRuns: 200 },
    );
  });

  it('is the canonical form of any accepted duration', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100 }), fc.nat({ max: 200 }), fc.nat({ max: 200 }), (days, minutes, seconds) => {
        const text = `P${days}DT${minutes}M${seconds}S`;
        const canonical = formatDuration(parseDuration(text)!);
        expect(parseDuration(canonical)).toBe(parseDuration(text));
        // Canonical means minutes and seconds below 60 and no zero parts, except PT0S itself.
        expect(canonical === 'PT0S' || !/\D0[HMS]/.test(canonical)).toBe(true);
        const [, m, s] = /^PT(?:\d+H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(canonical)!;
        expect(Number(m ?? 0)).toBeLessThan(60);
        expect(Number(s ?? 0)).toBeLessThan(60);
      }),
      { numRuns: 200 },
    );
  });
});
