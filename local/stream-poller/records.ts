import type { _Record, AttributeValue } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, AttributeValue as LambdaAttributeValue } from 'aws-lambda';

/** A stream record as the SDK reads it -> the record Lambda hands a function (DynamoDBStreamEvent's). */

/** Lambda's record: the wire shape, so binary values as base64 (the SDK hands over bytes). */
function wireValue(value: AttributeValue): LambdaAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.M !== undefined) return { M: wireMap(value.M) };
  if (value.L !== undefined) return { L: value.L.map(wireValue) };
  // The SDK reads an empty map (`{"M":{}}` on the wire) as a value with no member at all; Lambda
  // hands it over as it is on the wire (a CI's empty `attributes`, for one).
  if (Object.values(value).every((member) => member === undefined)) return { M: {} };
  return value as LambdaAttributeValue;
}

function wireMap(map: Record<string, AttributeValue>): Record<string, LambdaAttributeValue> {
  const out: Record<string, LambdaAttributeValue> = {};
  for (const [name, value] of Object.entries(map)) out[name] = wireValue(value);
  return out;
}

export function toLambdaRecord(record: _Record, streamArn: string, region: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  const dynamodb: NonNullable<DynamoDBRecord['dynamodb']> = {};
  if (d.ApproximateCreationDateTime !== undefined) dynamodb.ApproximateCreationDateTime = Math.floor(d.ApproximateCreationDateTime.getTime() / 1000);
  if (d.Keys !== undefined) dynamodb.Keys = wireMap(d.Keys);
  if (d.NewImage !== undefined) dynamodb.NewImage = wireMap(d.NewImage);
  if (d.OldImage !== undefined) dynamodb.OldImage = wireMap(d.OldImage);
  if (d.SequenceNumber !== undefined) dynamodb.SequenceNumber = d.SequenceNumber;
  if (d.SizeBytes !== undefined) dynamodb.SizeBytes = d.SizeBytes;
  if (d.StreamViewType !== undefined) dynamodb.StreamViewType = d.StreamViewType;
  const out: DynamoDBRecord = {
    eventID: record.eventID as string,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb,
    eventSourceARN: streamArn,
  };
  // TTL deletions carry the service as their author.
  if (record.userIdentity !== undefined) out.userIdentity = { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId };
  return out;
}
