import { type AwsJsonService, sendAwsJson } from './json-protocol.ts';

/* EventBridge (AWS JSON 1.1, `AWSEvents.<Operation>`): PutEvents, with the SDK's member names. */

const EVENTBRIDGE: AwsJsonService = { service: 'events', endpointEnv: 'EVENTBRIDGE', targetPrefix: 'AWSEvents', jsonVersion: '1.1' };

export interface PutEventsRequestEntry {
  readonly EventBusName?: string;
  readonly Source?: string;
  readonly DetailType?: string;
  /** JSON text. */
  readonly Detail?: string;
  readonly Resources?: readonly string[];
  readonly Time?: Date;
}

export interface PutEventsOutput {
  readonly FailedEntryCount?: number;
  /** One per entry, in order: an EventId, or the ErrorCode and ErrorMessage of an entry refused. */
  readonly Entries?: readonly { readonly EventId?: string; readonly ErrorCode?: string; readonly ErrorMessage?: string }[];
}

/** Puts the entries; an entry refused is reported in the output (FailedEntryCount), not thrown. */
export async function putEvents(input: { readonly Entries: readonly PutEventsRequestEntry[] }): Promise<PutEventsOutput> {
  // The awsJson protocols carry timestamps as epoch seconds, fractions allowed (as the SDK sends them).
  const Entries = input.Entries.map(({ Time, ...entry }) => (Time === undefined ? entry : { ...entry, Time: Time.getTime() / 1000 }));
  return sendAwsJson<PutEventsOutput>(EVENTBRIDGE, 'PutEvents', { Entries });
}
