/**
 * The CDK CLI's entry point (cdk.json: `npx tsx infra/bin/app.ts`). Building lives in
 * infra/app.ts so tests can import it without this file's side effect: under the CLI the App
 * synthesizes itself when the process exits.
 */
import { buildApp } from '../app.ts';

buildApp();
