import { resolve } from 'node:path';

/** Where `npm start` keeps DynamoDB Local's files and the local signing key. */
export const dataDirectory = (): string => resolve(process.env.ITSM_DATA_DIR ?? '.data');
export const httpPort = (): number => Number(process.env.PORT ?? 3000);
export const dynamoDbPort = (): number => Number(process.env.DYNAMODB_PORT ?? 8000);
/** The local AWS endpoint (EventBridge PutEvents, ...). */
export const awsPort = (): number => Number(process.env.AWS_PORT ?? 4000);
export const LOCAL_TABLE_NAME = process.env.ITSM_TABLE_NAME ?? 'itsm-local';
