import { db, type Item, TABLE_NAME, type TransactItem } from '../../shared/store/db.ts';
import { QueryCommand } from '../../shared/store/dynamodb.ts';
import { formatDuration } from '../domain/duration.ts';
import { REPORT_COUNTERS, REPORT_DIMENSIONS, type ReportCounter, type ReportDimension } from '../domain/report-fields.ts';

export { REPORT_COUNTERS, REPORT_DIMENSIONS, type ReportCounter, type ReportDimension };

/*
 * The SLA report reads counters, never incidents: every incident change adds what it moved
 * (a met or breached clock, an acknowledgement, a resolution) to one item per day and per value of
 * each report dimension, inside the incident's own transaction. So the report is as exact as the
 * incidents, costs one Query whatever the number of incidents, and a reopen corrects it with
 * negative counters.
 *
 * Items: pk `SLAREPORT#<dimension>`, sk `<YYYY-MM-DD>#<value>` (value `-` when the incident has
 * none), one numeric attribute per counter. A day's values sort together, so a date range is one
 * key range.
 */

export interface AggregateDelta {
  /** The UTC day the counted thing happened on, `YYYY-MM-DD`. */
  day: string;
  dimensions: { priority: string; assignmentGroup?: string; service?: string };
  counters: Partial<Record<ReportCounter, number>>;
}

/** Stands for "none" in sort keys and in report groups: incidents without a group or service. */
export const NO_VALUE = '-';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_PREFIX_LENGTH = 'YYYY-MM-DD#'.length;
const ENTITY = 'sla-report';

export const reportPartition = (dimension: ReportDimension): string => `SLAREPORT#${dimension}`;

/**
 * UpdateItem ADDs for the deltas, for use inside the caller's transaction. Deltas landing on the
 * same item are merged (a transaction may not touch an item twice); counters that cancel out and
 * items left with nothing to add are dropped.
 */
export function aggregateUpdates(deltas: readonly AggregateDelta[]): TransactItem[] {
  const byItem = new Map<string, { pk: string; sk: string; counters: Map<ReportCounter, number> }>();
  for (const delta of deltas) {
    if (!DAY.test(delta.day)) throw new Error(`Report day must be YYYY-MM-DD, got ${delta.day}`);
    for (const dimension of REPORT_DIMENSIONS) {
      const value = delta.dimensions[dimension];
      const pk = reportPartition(dimension);
      const sk = `${delta.day}#${value === undefined || value === '' ? NO_VALUE : value}`;
      const key = `${pk}\n${sk}`;
      let entry = byItem.get(key);
      if (entry === undefined) {
        entry = { pk, sk, counters: new Map() };
        byItem.set(key, entry);
      }
      for (const counter of REPORT_COUNTERS) {
        const amount = delta.counters[counter];
        if (amount === undefined) continue;
        // A fraction or NaN would silently poison a counter for good.
        if (!Number.isSafeInteger(amount)) throw new Error(`Report counter ${counter} must be an integer, got ${amount}`);
        entry.counters.set(counter, (entry.counters.get(counter) ?? 0) + amount);
      }
    }
  }

  const items: TransactItem[] = [];
  for (const { pk, sk, counters } of byItem.values()) {
    const moved = [...counters].filter(([, amount]) => amount !== 0);
    if (moved.length === 0) continue;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':entity': ENTITY };
    moved.forEach(([counter, amount], i) => {
      names[`#c${i}`] = counter;
      values[`:c${i}`] = amount;
    });
    items.push({
      Update: {
        TableName: TABLE_NAME,
        Key: { pk, sk },
        UpdateExpression: `SET entity = :entity ADD ${moved.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    });
  }
  return items;
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface ClockAttainment {
  met: number;
  breached: number;
  /** met / (met + breached) in percent, one decimal; null when no clock ended in the range. */
  attainment: number | null;
}

export interface ReportFigures {
  response: ClockAttainment;
  resolution: ClockAttainment;
  breaches: number;
  acknowledged: number;
  /** ISO 8601 duration (hours at most), or null when nothing was acknowledged. */
  meanTimeToAcknowledge: string | null;
  resolved: number;
  meanTimeToResolve: string | null;
}

export interface SlaReport {
  from: string;
  to: string;
  groupBy: ReportDimension;
  groups: (ReportFigures & { key: string })[];
  totals: ReportFigures;
}

type Counters = Record<ReportCounter, number>;

const zero = (): Counters => Object.fromEntries(REPORT_COUNTERS.map((c) => [c, 0])) as Counters;

function attainment(met: number, breached: number): ClockAttainment {
  const ended = met + breached;
  return { met, breached, attainment: ended > 0 ? Math.round((met / ended) * 1000) / 10 : null };
}

const mean = (seconds: number, count: number): string | null => (count > 0 ? formatDuration(Math.max(0, Math.round(seconds / count))) : null);

function figures(c: Counters): ReportFigures {
  return {
    response: attainment(c.responseMet, c.responseBreached),
    resolution: attainment(c.resolutionMet, c.resolutionBreached),
    breaches: c.breaches,
    acknowledged: c.acknowledged,
    meanTimeToAcknowledge: mean(c.acknowledgeSeconds, c.acknowledged),
    resolved: c.resolved,
    meanTimeToResolve: mean(c.resolveSeconds, c.resolved),
  };
}

/**
 * The report of the UTC days `from`..`to` (inclusive, `YYYY-MM-DD`), grouped by one dimension:
 * one Query over the dimension's partition (followed over its 1 MB pages), summed per value.
 * Eventually consistent: a report may miss a change made a moment ago.
 */
export async function readSlaReport(from: string, to: string, groupBy: ReportDimension): Promise<SlaReport> {
  const byKey = new Map<string, Counters>();
  let startKey: Item | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': reportPartition(groupBy), ':from': `${from}#`, ':to': `${to}#\uffff` },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const key = String(item.sk).slice(DAY_PREFIX_LENGTH);
      const sums = byKey.get(key) ?? zero();
      for (const counter of REPORT_COUNTERS) sums[counter] += typeof item[counter] === 'number' ? item[counter] : 0;
      byKey.set(key, sums);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);

  const totals = zero();
  const groups: SlaReport['groups'] = [];
  for (const key of [...byKey.keys()].sort()) {
    const sums = byKey.get(key) as Counters;
    // A value whose outcomes were all undone (reopened) has nothing left to report.
    if (REPORT_COUNTERS.every((c) => sums[c] === 0)) continue;
    for (const counter of REPORT_COUNTERS) totals[counter] += sums[counter];
    groups.push({ key, ...figures(sums) });
  }
  return { from, to, groupBy, groups, totals: figures(totals) };
}
