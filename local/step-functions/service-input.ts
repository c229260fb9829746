import { AwsError } from '../aws-endpoint.ts';
import type { JsonObject } from './json.ts';

/** Request fields checked as the Step Functions API checks them, with its error codes and words. */

export function requireString(input: JsonObject, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value === '') {
    throw new AwsError('ValidationException', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

export function optionalString(input: JsonObject, field: string, maxLength: number): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsError('SerializationException', `${field} must be a string`);
  if (value.length > maxLength) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${maxLength}`,
    );
  }
  return value;
}

export function pageOf<T>(items: readonly T[], input: JsonObject, defaultSize: number): { page: T[]; nextToken?: string } {
  const maxResults = input.maxResults === undefined || input.maxResults === 0 ? defaultSize : Number(input.maxResults);
  if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 1000) {
    throw new AwsError(
      'ValidationException',
      "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
  }
  let offset = 0;
  if (input.nextToken !== undefined && input.nextToken !== null) {
    offset = Number.parseInt(Buffer.from(String(input.nextToken), 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(offset) || offset < 0) throw new AwsError('InvalidToken', 'Invalid Token: the nextToken is not one this endpoint gave');
  }
  const page = items.slice(offset, offset + maxResults);
  const next = offset + maxResults;
  return next < items.length ? { page, nextToken: Buffer.from(String(next)).toString('base64url') } : { page };
}
