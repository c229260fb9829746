import * as z from 'zod';
import { baseConfigurationItemShape, MAX_IMPORTED_ITEMS } from '../domain/aws-feed.ts';

/*
 * POST /cis/import as the API description shows it. The handler reads the body with the domain's
 * looser importBody and checks each item itself, so that one malformed item is reported in
 * `failed` and does not refuse the others.
 */

/** A component of its own: both forms of the body refer to it. */
export const importedItem = baseConfigurationItemShape.describe(
  'One of `baseConfigurationItems` as `aws configservice batch-get-resource-config` prints it: `configuration` and the values of `supplementaryConfiguration` are JSON documents as strings. Other members are accepted and ignored.',
);

/** Documented as the batch-get output; the handler also takes a bare list of its items (the operation says so). */
export const importCisBody = z
  .strictObject({
    baseConfigurationItems: z.array(importedItem).max(MAX_IMPORTED_ITEMS),
    unprocessedResourceKeys: z.array(z.unknown()).optional().describe('Ignored: ask batch-get-resource-config for them again and import its answer'),
  })
  .meta({ id: 'ImportCis', title: 'The output of aws configservice batch-get-resource-config' });

export const importCisResult = z
  .strictObject({
    created: z.int().min(0).describe('CIs created'),
    updated: z.int().min(0).describe('CIs changed'),
    unchanged: z.int().min(0).describe('Items the CMDB reflected already, or older than the capture it reflects (not applied)'),
    failed: z
      .array(
        z.strictObject({
          resourceKey: z.string().describe('`account/region/resourceType/resourceId`, or the item’s place in the body when it names no resource'),
          reason: z.string(),
        }),
      )
      .describe('Items not imported, each with why; the others were'),
  })
  .meta({ id: 'ImportCisResult' });
