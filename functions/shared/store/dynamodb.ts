import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../aws/errors.ts';
import { type AwsJsonService, sendAwsJsonText } from '../aws/json-protocol.ts';
import { type AttributeValue, marshallValue, type NativeAttributeValue, unmarshallValue } from './attribute-values.ts';

/*
 * A DynamoDB document client of our own, in the shape of @aws-sdk/lib-dynamodb's (`db.send(new
 * GetCommand({...}))`, native JavaScript values in and out) on functions/shared/aws instead of the
 * SDK, whose loading costs 100-200 ms of every cold start. Marshalling is lib-dynamodb's: the same
 * input and output members converted as util-dynamodb converts them (attribute-values.ts), with
 * the same options. Errors are the SDK's too: named by DynamoDB's code, with their fields as
 * DynamoDB sends them (the Item of a ConditionalCheckFailedException and of each
 * CancellationReason stays in AttributeValue form, as lib-dynamodb leaves it).
 * It sends its own commands only: the bundle carries nothing for lib-dynamodb's (tests and
 * scripts import the commands from here).
 */

export type { AttributeValue, NativeAttributeValue } from './attribute-values.ts';

type NativeItem = Record<string, NativeAttributeValue>;

export class ConditionalCheckFailedException extends AwsServiceError {
  /** The item as it was, when the request asked for it (ReturnValuesOnConditionCheckFailure: ALL_OLD). */
  declare readonly Item?: Record<string, AttributeValue>;
}

export interface CancellationReason {
  readonly Code?: string;
  readonly Message?: string;
  /** The item as it was, when the transaction item asked for it (ALL_OLD). */
  readonly Item?: Record<string, AttributeValue>;
}

export class TransactionCanceledException extends AwsServiceError {
  /** One per transaction item, in their order; Code 'None' for the items that were not at fault. */
  declare readonly CancellationReasons?: CancellationReason[];
}

const DYNAMODB: AwsJsonService = {
  service: 'dynamodb',
  endpointEnv: 'DYNAMODB',
  targetPrefix: 'DynamoDB_20120810',
  jsonVersion: '1.0',
  errorClasses: { ConditionalCheckFailedException, TransactionCanceledException },
};

type ReturnValue = 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';
type ReturnConsumedCapacity = 'INDEXES' | 'TOTAL' | 'NONE';

interface ExpressionMembers {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: NativeItem;
}

interface ConditionMembers extends ExpressionMembers {
  ConditionExpression?: string;
  ReturnValuesOnConditionCheckFailure?: 'ALL_OLD' | 'NONE';
}

/** What every output carries, as the SDK's do. */
export interface ResponseMetadata {
  $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number; totalRetryDelay?: number };
  ConsumedCapacity?: unknown;
}

export interface GetCommandInput extends Pick<ExpressionMembers, 'ExpressionAttributeNames'> {
  TableName: string;
  Key: NativeItem;
  ConsistentRead?: boolean;
  ProjectionExpression?: string;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}
export interface GetCommandOutput extends ResponseMetadata {
  Item?: NativeItem;
}

export interface PutCommandInput extends ConditionMembers {
  TableName: string;
  Item: NativeItem;
  ReturnValues?: ReturnValue;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}
export interface PutCommandOutput extends ResponseMetadata {
  Attributes?: NativeItem;
}

export interface UpdateCommandInput extends ConditionMembers {
  TableName: string;
  Key: NativeItem;
  UpdateExpression?: string;
  ReturnValues?: ReturnValue;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}
export interface UpdateCommandOutput extends ResponseMetadata {
  Attributes?: NativeItem;
}

export interface DeleteCommandInput extends ConditionMembers {
  TableName: string;
  Key: NativeItem;
  ReturnValues?: ReturnValue;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}
export interface DeleteCommandOutput extends ResponseMetadata {
  Attributes?: NativeItem;
}

export interface QueryCommandInput extends ExpressionMembers {
  TableName: string;
  IndexName?: string;
  KeyConditionExpression?: string;
  FilterExpression?: string;
  ProjectionExpression?: string;
  Select?: 'ALL_ATTRIBUTES' | 'ALL_PROJECTED_ATTRIBUTES' | 'SPECIFIC_ATTRIBUTES' | 'COUNT';
  ScanIndexForward?: boolean;
  Limit?: number;
  ConsistentRead?: boolean;
  ExclusiveStartKey?: NativeItem;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}
export interface QueryCommandOutput extends ResponseMetadata {
  Items?: NativeItem[];
  Count?: number;
  ScannedCount?: number;
  LastEvaluatedKey?: NativeItem;
}

export interface ScanCommandInput extends Omit<QueryCommandInput, 'KeyConditionExpression' | 'ScanIndexForward'> {
  Segment?: number;
  TotalSegments?: number;
}
export type ScanCommandOutput = QueryCommandOutput;

export interface TransactWriteItem {
  ConditionCheck?: ConditionMembers & { TableName: string; Key: NativeItem; ConditionExpression: string };
  Put?: ConditionMembers & { TableName: string; Item: NativeItem };
  Delete?: ConditionMembers & { TableName: string; Key: NativeItem };
  Update?: ConditionMembers & { TableName: string; Key: NativeItem; UpdateExpression: string };
}
export interface TransactWriteCommandInput {
  TransactItems: TransactWriteItem[];
  /** Makes a repeat within 10 minutes a no-op; one is generated per send when absent, as the SDK does. */
  ClientRequestToken?: string;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ReturnItemCollectionMetrics?: 'SIZE' | 'NONE';
}
export type TransactWriteCommandOutput = ResponseMetadata;

export interface TransactGetCommandInput {
  TransactItems: { Get: Pick<ExpressionMembers, 'ExpressionAttributeNames'> & { TableName: string; Key: NativeItem; ProjectionExpression?: string } }[];
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}
export interface TransactGetCommandOutput extends ResponseMetadata {
  Responses?: { Item?: NativeItem }[];
}

export interface KeysAndAttributes extends Pick<ExpressionMembers, 'ExpressionAttributeNames'> {
  Keys: NativeItem[];
  ConsistentRead?: boolean;
  ProjectionExpression?: string;
}
export interface BatchGetCommandInput {
  RequestItems: Record<string, KeysAndAttributes>;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
}
export interface BatchGetCommandOutput extends ResponseMetadata {
  Responses?: Record<string, NativeItem[]>;
  UnprocessedKeys?: Record<string, KeysAndAttributes>;
}

export interface WriteRequest {
  PutRequest?: { Item: NativeItem };
  DeleteRequest?: { Key: NativeItem };
}
export interface BatchWriteCommandInput {
  RequestItems: Record<string, WriteRequest[]>;
  ReturnConsumedCapacity?: ReturnConsumedCapacity;
  ReturnItemCollectionMetrics?: 'SIZE' | 'NONE';
}
export interface BatchWriteCommandOutput extends ResponseMetadata {
  UnprocessedItems?: Record<string, WriteRequest[]>;
}

/*
 * Which members hold items, as lib-dynamodb's inputKeyNodes/outputKeyNodes say: ALL_VALUES marks a
 * map whose every value is converted, '*' every member of a map or list, any other key that member.
 */
interface KeyNodes {
  readonly [member: string]: KeyNodes;
}
const ALL_VALUES: KeyNodes = {};
const EACH = '*';

interface Operation {
  readonly name: string;
  readonly input: KeyNodes;
  readonly output: KeyNodes;
}

const conditional = { Key: ALL_VALUES, Item: ALL_VALUES, ExpressionAttributeValues: ALL_VALUES };
const writeRequests: KeyNodes = { [EACH]: { [EACH]: { PutRequest: { Item: ALL_VALUES }, DeleteRequest: { Key: ALL_VALUES } } } };
const OPERATIONS = {
  GetItem: { name: 'GetItem', input: { Key: ALL_VALUES }, output: { Item: ALL_VALUES } },
  PutItem: { name: 'PutItem', input: conditional, output: { Attributes: ALL_VALUES } },
  UpdateItem: { name: 'UpdateItem', input: conditional, output: { Attributes: ALL_VALUES } },
  DeleteItem: { name: 'DeleteItem', input: conditional, output: { Attributes: ALL_VALUES } },
  Query: {
    name: 'Query',
    input: { ExclusiveStartKey: ALL_VALUES, ExpressionAttributeValues: ALL_VALUES },
    output: { Items: { [EACH]: ALL_VALUES }, LastEvaluatedKey: ALL_VALUES },
  },
  Scan: {
    name: 'Scan',
    input: { ExclusiveStartKey: ALL_VALUES, ExpressionAttributeValues: ALL_VALUES },
    output: { Items: { [EACH]: ALL_VALUES }, LastEvaluatedKey: ALL_VALUES },
  },
  TransactWriteItems: {
    name: 'TransactWriteItems',
    input: { TransactItems: { [EACH]: { ConditionCheck: conditional, Put: conditional, Delete: conditional, Update: conditional } } },
    output: {},
  },
  TransactGetItems: {
    name: 'TransactGetItems',
    input: { TransactItems: { [EACH]: { Get: { Key: ALL_VALUES } } } },
    output: { Responses: { [EACH]: { Item: ALL_VALUES } } },
  },
  BatchGetItem: {
    name: 'BatchGetItem',
    input: { RequestItems: { [EACH]: { Keys: { [EACH]: ALL_VALUES } } } },
    output: { Responses: { [EACH]: { [EACH]: ALL_VALUES } }, UnprocessedKeys: { [EACH]: { Keys: { [EACH]: ALL_VALUES } } } },
  },
  BatchWriteItem: { name: 'BatchWriteItem', input: { RequestItems: writeRequests }, output: { UnprocessedItems: writeRequests } },
} satisfies Record<string, Operation>;

type Convert = (value: unknown) => unknown;

const isFunction = (value: unknown): boolean => typeof value === 'function';

/** lib-dynamodb's processObj: converts what `nodes` names in `value`, copies the rest. */
function convertMembers(value: unknown, convert: Convert, nodes: KeyNodes | null): unknown {
  if (value === undefined) return undefined;
  if (nodes === null) return convert(value);
  const keys = Object.keys(nodes);
  if (keys.length === 0) return convertAll(value, convert);
  if (keys.length === 1 && keys[0] === EACH) {
    const each = nodes[EACH] ?? null;
    if (Array.isArray(value)) return value.filter((v) => !isFunction(v)).map((v) => convertMembers(v, convert, each));
    const converted: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value as object)) if (!isFunction(member)) converted[key] = convertMembers(member, convert, each);
    return converted;
  }
  return convertNamed(value as object, convert, nodes);
}

function convertNamed(value: object, convert: Convert, nodes: KeyNodes): unknown {
  const record = value as Record<string, unknown>;
  const converted: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(record)) if (!isFunction(member)) converted[key] = member;
  for (const [key, memberNodes] of Object.entries(nodes)) {
    const member = convertMembers(record[key], convert, memberNodes);
    if (member !== undefined) converted[key] = member;
  }
  return converted;
}

function convertAll(value: unknown, convert: Convert): unknown {
  if (Array.isArray(value)) return value.filter((v) => !isFunction(v)).map((v) => (v === undefined ? undefined : convert(v)));
  const converted: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value as object)) {
    if (isFunction(member) || member === undefined) continue;
    const attribute = convert(member);
    if (attribute !== undefined) converted[key] = attribute;
  }
  return converted;
}

// lib-dynamodb's conversions with the options db.ts gave it (removeUndefinedValues, no convertEmptyValues).
const toAttribute: Convert = marshallValue;
const toNative: Convert = (value) => unmarshallValue(value as AttributeValue);

/** JSON has no bytes: DynamoDB's JSON carries B and BS as base64, the SDK converts them both ways. */
function binaryAsBase64(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  return original instanceof Uint8Array ? Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') : value;
}

const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** The answer with every { B } and { BS } attribute's base64 as bytes; everything else as it was. */
function base64AsBinary(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(base64AsBinary);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [only] = entries;
  if (entries.length === 1 && only !== undefined) {
    const [key, member] = only;
    if (key === 'B' && typeof member === 'string') return { B: fromBase64(member) };
    if (key === 'BS' && Array.isArray(member) && member.every((b) => typeof b === 'string')) return { BS: member.map(fromBase64) };
  }
  return Object.fromEntries(entries.map(([key, member]) => [key, base64AsBinary(member)]));
}

/** A command as the document client takes it; `Output` types what send answers. */
export abstract class DocumentCommand<Input extends object, Output extends ResponseMetadata> {
  /** The DynamoDB operation; a static member so that minified class names do not matter. */
  abstract readonly operation: keyof typeof OPERATIONS;
  declare readonly __output?: Output;
  constructor(readonly input: Input) {}
}

export class GetCommand extends DocumentCommand<GetCommandInput, GetCommandOutput> {
  readonly operation = 'GetItem';
}
export class PutCommand extends DocumentCommand<PutCommandInput, PutCommandOutput> {
  readonly operation = 'PutItem';
}
export class UpdateCommand extends DocumentCommand<UpdateCommandInput, UpdateCommandOutput> {
  readonly operation = 'UpdateItem';
}
export class DeleteCommand extends DocumentCommand<DeleteCommandInput, DeleteCommandOutput> {
  readonly operation = 'DeleteItem';
}
export class QueryCommand extends DocumentCommand<QueryCommandInput, QueryCommandOutput> {
  readonly operation = 'Query';
}
export class ScanCommand extends DocumentCommand<ScanCommandInput, ScanCommandOutput> {
  readonly operation = 'Scan';
}
export class TransactWriteCommand extends DocumentCommand<TransactWriteCommandInput, TransactWriteCommandOutput> {
  readonly operation = 'TransactWriteItems';
}
export class TransactGetCommand extends DocumentCommand<TransactGetCommandInput, TransactGetCommandOutput> {
  readonly operation = 'TransactGetItems';
}
export class BatchGetCommand extends DocumentCommand<BatchGetCommandInput, BatchGetCommandOutput> {
  readonly operation = 'BatchGetItem';
}
export class BatchWriteCommand extends DocumentCommand<BatchWriteCommandInput, BatchWriteCommandOutput> {
  readonly operation = 'BatchWriteItem';
}

type CommandOutput<C> = C extends DocumentCommand<object, infer Output> ? Output : never;

/** The client: `send` converts a command's input to DynamoDB's form, sends it and converts the output back. */
export class DynamoDBDocument {
  async send<C extends DocumentCommand<object, ResponseMetadata>>(command: C): Promise<CommandOutput<C>> {
    const operation = OPERATIONS[command.operation];
    // Only a caller that escaped the types gets here: a command of lib-dynamodb's has no operation.
    if (operation === undefined) throw new Error(`${command.constructor.name} is not a command of functions/shared/store/dynamodb.ts`);
    return (await this.#call(operation, command.input)) as CommandOutput<C>;
  }

  /** Nothing to release: connections are shared and kept alive by functions/shared/aws. */
  destroy(): void {}

  async #call(operation: Operation, input: object): Promise<object> {
    const wire = convertNamed(input, toAttribute, operation.input) as Record<string, unknown>;
    if (operation.name === 'TransactWriteItems' && wire.ClientRequestToken === undefined) wire.ClientRequestToken = randomUUID();
    const text = await sendAwsJsonText(DYNAMODB, operation.name, JSON.stringify(wire, binaryAsBase64));
    const parsed = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    // Looked for in the text: walking every answer for binary attributes would cost every list.
    const response = BINARY_IN_JSON.test(text) ? (base64AsBinary(parsed) as Record<string, unknown>) : parsed;
    const output = convertNamed(response, toNative, operation.output) as Record<string, unknown>;
    return { $metadata: { httpStatusCode: 200 }, ...output };
  }
}

const BINARY_IN_JSON = /"BS?":\s*["[]/;
