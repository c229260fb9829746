import { isIP } from 'node:net';
import { resolve } from 'node:path';

/**
 * The settings `npm start` reads, all from the environment (the README's settings table lists
 * them). A setting given a value it cannot use stops the start with one line naming it.
 */
export class SettingError extends Error {}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) throw new SettingError(`${name}=${raw} is not a port number (1-65535)`);
  return value;
}

/** Where `npm start` keeps DynamoDB Local's files and the local signing key. */
export const dataDirectory = (): string => resolve(process.env.ITSM_DATA_DIR || '.data');
export const httpPort = (): number => port('PORT', 3000);
export const dynamoDbPort = (): number => port('DYNAMODB_PORT', 8000);
/** The local AWS endpoint (EventBridge PutEvents, ...). */
export const awsPort = (): number => port('AWS_PORT', 4000);
/** The SMTP listener standing in for SES receiving (mail to it opens and annotates tickets). */
export const smtpPort = (): number => port('SMTP_PORT', 2525);

/**
 * The address the API listens on: loopback by default, so nothing on the network reaches it;
 * 0.0.0.0 (or one interface's address) lets tools in containers reach it. DynamoDB Local and the
 * local AWS endpoints stay on loopback whatever this says.
 */
export function apiHost(): string {
  const raw = process.env.ITSM_HOST;
  if (raw === undefined || raw === '') return '127.0.0.1';
  if (isIP(raw) === 0 && raw !== 'localhost') throw new SettingError(`ITSM_HOST=${raw} is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface)`);
  return raw;
}

export const LOCAL_TABLE_NAME = process.env.ITSM_TABLE_NAME || 'itsm-local';
