import type { CatalogItemFields } from './domain/catalog-rules.ts';

/*
 * The catalog a new installation starts with (seedRequestDefaults writes it once, with the groups
 * it names, empty: who procures laptops or grants access is for admins to say). Realistic enough
 * to order from on the first day and to copy from: a choice with labels, conditional fields, a
 * pattern, a manager stage then a group stage, sequential and parallel fulfilment. E-mail that
 * names no ticket opens `report-something-else` with answers { summary, details }.
 */

export interface SeededGroup {
  name: string;
  displayName: string;
  description: string;
}

export const SEEDED_GROUPS: readonly SeededGroup[] = [
  { name: 'procurement', displayName: 'Procurement', description: 'Buys hardware and software licences ordered from the service catalog' },
  { name: 'service-desk', displayName: 'Service Desk', description: 'First line: sets up devices, resets passwords, answers what comes in' },
  { name: 'access-managers', displayName: 'Access Managers', description: "Application owners' delegates: approve access to business applications" },
  { name: 'identity-admins', displayName: 'Identity Administrators', description: 'Grant and revoke access in the identity provider and applications' },
  { name: 'licence-managers', displayName: 'Licence Managers', description: 'Approve software licence purchases against the licence budget' },
];

export type SeededItem = CatalogItemFields & { id: string };

const SUMMARY_MAX_LENGTH = 500;

export const SEEDED_CATALOG: readonly SeededItem[] = [
  {
    id: 'new-laptop',
    name: 'New laptop',
    category: 'Hardware',
    description: 'A new or replacement laptop, delivered set up with your account and the standard software. Your manager approves.',
    form: {
      type: 'object',
      additionalProperties: false,
      required: ['model', 'keyboardLayout', 'deliveryAddress'],
      properties: {
        model: {
          title: 'Model',
          oneOf: [
            { const: 'macbook-air-13', title: 'MacBook Air 13' },
            { const: 'macbook-pro-14', title: 'MacBook Pro 14' },
            { const: 'thinkpad-x1-carbon', title: 'ThinkPad X1 Carbon' },
            { const: 'dell-latitude-7450', title: 'Dell Latitude 7450' },
          ],
        },
        keyboardLayout: { title: 'Keyboard layout', enum: ['US', 'UK', 'DE', 'FR', 'NL', 'Nordic'] },
        deliveryAddress: { title: 'Delivery address', type: 'string', minLength: 10, maxLength: 500 },
        replacesAssetTag: { title: 'Replaces asset tag', description: 'The laptop it replaces, if any', type: 'string', pattern: '^[A-Z]{2}-\\d{5}$' },
      },
    },
    orderableBy: { groups: [] },
    approval: { stages: [{ kind: 'manager' }] },
    fulfilment: {
      mode: 'sequential',
      tasks: [
        {
          name: 'Procure laptop',
          assignmentGroup: 'procurement',
          description: 'Order a {{answers.model}} ({{answers.keyboardLayout}} keyboard) for {{requester}}, request {{number}}.',
        },
        {
          name: 'Set up laptop',
          assignmentGroup: 'service-desk',
          description: 'Enrol the laptop, install the standard software and deliver it to {{requester}} at: {{answers.deliveryAddress}} ({{number}}).',
        },
      ],
    },
    active: true,
  },
  {
    id: 'application-access',
    name: 'Access to an application',
    category: 'Access',
    description: 'Access to a business application, at the level your work needs. Your manager approves, then the application owners.',
    form: {
      type: 'object',
      additionalProperties: false,
      required: ['application', 'accessLevel', 'justification'],
      properties: {
        application: { title: 'Application', enum: ['Salesforce', 'Jira', 'GitHub', 'Workday', 'AWS Console'] },
        accessLevel: {
          title: 'Access level',
          oneOf: [
            { const: 'read', title: 'Read only' },
            { const: 'write', title: 'Read and write' },
            { const: 'admin', title: 'Administrator' },
          ],
        },
        justification: { title: 'Justification', description: 'What you need the access for', type: 'string', minLength: 20, maxLength: 2000 },
        endDate: { title: 'End date', description: 'When the access should end; required for administrator access', type: 'string', format: 'date' },
      },
      // Administrator access is never open-ended.
      allOf: [
        {
          if: { properties: { accessLevel: { const: 'admin' } }, required: ['accessLevel'] },
          // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword here, and this object is never awaited
          then: { required: ['endDate'] },
        },
      ],
    },
    orderableBy: { groups: [] },
    approval: { stages: [{ kind: 'manager' }, { kind: 'group', group: 'access-managers', quorum: 1 }] },
    fulfilment: {
      mode: 'parallel',
      tasks: [
        {
          name: 'Grant access',
          assignmentGroup: 'identity-admins',
          // Access without an end date is open-ended: the section leaves out " until ..." then.
          description:
            'Grant {{requester}} access to {{answers.application}} ({{answers.accessLevel}}){{#answers.endDate}} until {{answers.endDate}}{{/answers.endDate}} ({{number}}).',
        },
      ],
    },
    active: true,
  },
  {
    id: 'software-licence',
    name: 'Software licence',
    category: 'Software',
    description: 'Licences for commercial software, charged to your cost centre. The licence managers approve.',
    form: {
      type: 'object',
      additionalProperties: false,
      required: ['product', 'quantity', 'costCentre'],
      properties: {
        product: { title: 'Product', enum: ['Microsoft 365 E3', 'Adobe Acrobat Pro', 'JetBrains All Products', 'Figma Professional', 'Tableau Creator'] },
        quantity: { title: 'Quantity', type: 'integer', minimum: 1, maximum: 50 },
        costCentre: { title: 'Cost centre', description: 'e.g. CC-1234', type: 'string', pattern: '^CC-\\d{4}$' },
        licensees: {
          title: 'Licensees',
          description: 'Who gets the licences (user ids)',
          type: 'array',
          items: { type: 'string', minLength: 1 },
          uniqueItems: true,
          maxItems: 50,
        },
      },
    },
    orderableBy: { groups: [] },
    approval: { stages: [{ kind: 'group', group: 'licence-managers', quorum: 1 }] },
    fulfilment: {
      mode: 'sequential',
      tasks: [
        {
          name: 'Buy licences',
          assignmentGroup: 'procurement',
          description: 'Buy {{answers.quantity}} x {{answers.product}} for cost centre {{answers.costCentre}}, requested by {{requester}} ({{number}}).',
        },
      ],
    },
    active: true,
  },
  {
    id: 'password-reset',
    name: 'Password reset',
    category: 'Access',
    description: 'A new temporary password for an account you are locked out of. No approval needed.',
    form: {
      type: 'object',
      additionalProperties: false,
      required: ['account'],
      properties: {
        account: { title: 'Account', description: 'The account name or e-mail address', type: 'string', minLength: 1, maxLength: 200 },
        system: { title: 'System', enum: ['Directory (single sign-on)', 'E-mail', 'VPN', 'Other'] },
      },
    },
    orderableBy: { groups: [] },
    approval: { stages: [] },
    fulfilment: {
      mode: 'sequential',
      tasks: [
        {
          name: 'Reset password',
          assignmentGroup: 'service-desk',
          description:
            'Verify the identity of {{requester}}, then reset the password of {{answers.account}}{{#answers.system}} ({{answers.system}}){{/answers.system}}, {{number}}.',
        },
      ],
    },
    active: true,
  },
  {
    id: 'report-something-else',
    name: 'Report something else',
    category: 'General',
    description: 'Anything the catalog has no item for: a question, a need, a problem. The service desk picks it up. E-mail to the service desk opens one.',
    form: {
      type: 'object',
      additionalProperties: false,
      required: ['summary'],
      properties: {
        summary: { title: 'Summary', type: 'string', minLength: 1, maxLength: SUMMARY_MAX_LENGTH },
        details: { title: 'Details', type: 'string', maxLength: 100_000 },
      },
    },
    orderableBy: { groups: [] },
    approval: { stages: [] },
    fulfilment: {
      mode: 'sequential',
      tasks: [
        {
          name: 'Handle request',
          assignmentGroup: 'service-desk',
          description: '{{requester}} asks ({{number}}): {{answers.summary}}{{#answers.details}}\n\n{{answers.details}}{{/answers.details}}',
        },
      ],
    },
    active: true,
  },
];
