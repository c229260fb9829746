import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { poll } from '../support/poll.ts';

/*
 * How a request's answers are shown once it is stored and read back (the local DynamoDB, as the
 * real one, keeps no order in a map): the "Received" mail and the fulfilment task's description
 * list the answers in the form's order, a choice by its label; an optional answer left out leaves
 * no hole in the description.
 */

let stack: TestStack;
let ada: Client;
let carol: Client;

type Request = { id: string; number: string; status: string; tasks: { id: string }[] };

beforeAll(async () => {
  stack = await startTestStack();
  [ada, carol] = await Promise.all([admin(stack), requester(stack)]);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const mugItem = (id: string, description: string) => ({
  id,
  name: 'Branded mug',
  category: 'Office',
  description: 'A mug with the company logo, engraved if you like',
  form: {
    type: 'object',
    additionalProperties: false,
    required: ['colour', 'size'],
    // Field names deliberately out of alphabetical order: the form's order is what counts.
    properties: {
      size: { title: 'Size', enum: ['small', 'large'] },
      colour: {
        title: 'Colour',
        oneOf: [
          { const: 'blk', title: 'Midnight black' },
          { const: 'wht', title: 'Snow white' },
        ],
      },
      engraving: { title: 'Engraving', type: 'string', maxLength: 40 },
      addOns: {
        title: 'Add-ons',
        type: 'array',
        items: {
          oneOf: [
            { const: 'lid', title: 'Travel lid' },
            { const: 'box', title: 'Gift box' },
          ],
        },
      },
    },
  },
  fulfilment: { mode: 'sequential', tasks: [{ name: 'Make mug', assignmentGroup: 'service-desk', description }] },
});

/** Orders the item with answers in an order unlike the form's, and answers the request once its task exists. */
async function orderMug(itemId: string, answers: Record<string, unknown>): Promise<{ request: Request; taskDescription: string }> {
  const ordered = await carol.post<Request>('/requests', { item: itemId, answers });
  expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);
  const request = await poll(
    async () => (await carol.get<Request>(`/requests/${ordered.body.id}`)).body,
    (current) => current.status === 'in_fulfilment' && current.tasks.length === 1,
  );
  const task = await ada.get<{ description: string }>(`/tasks/${request.tasks[0]?.id}`);
  expect(task.status).toBe(200);
  return { request, taskDescription: task.body.description };
}

describe('answers as people read them', () => {
  it('the Received mail and the task description show the answers in the form’s order, choices by their labels', async () => {
    const created = await ada.post(
      '/catalog-items',
      mugItem('branded-mug', 'Make a {{answers.size}} {{answers.colour}} mug ({{answers.addOns}}) for {{requester}}.\n{{answers}}'),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { request, taskDescription } = await orderMug('branded-mug', { addOns: ['box', 'lid'], engraving: 'Carol', colour: 'wht', size: 'large' });

    expect(taskDescription).toBe(
      'Make a large Snow white mug (Gift box, Travel lid) for carol.\nSize: large\nColour: Snow white\nEngraving: Carol\nAdd-ons: Gift box, Travel lid',
    );
    const [received] = await poll(
      async () => {
        await stack.settled();
        return stack.caughtMail().filter((mail) => mail.subject === `[${request.number}] Received: Branded mug`);
      },
      (mails) => mails.length > 0,
    );
    expect(received?.text).toContain('Your answers:\n  Size: large\n  Colour: Snow white\n  Engraving: Carol\n  Add-ons: Gift box, Travel lid\n');
  });

  it('a missing optional answer leaves no hole in the task description: a section for an answered field only, a default otherwise', async () => {
    const template =
      'Make a {{answers.colour}} mug{{#answers.engraving}}, engraved "{{answers.engraving}}"{{/answers.engraving}}, add-ons: {{answers.addOns|none}} ({{number}}).';
    const created = await ada.post('/catalog-items', mugItem('engraved-mug', template));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const plain = await orderMug('engraved-mug', { size: 'small', colour: 'blk' });
    expect(plain.taskDescription).toBe(`Make a Midnight black mug, add-ons: none (${plain.request.number}).`);
    const engraved = await orderMug('engraved-mug', { size: 'small', colour: 'blk', engraving: 'Ada', addOns: ['lid'] });
    expect(engraved.taskDescription).toBe(`Make a Midnight black mug, engraved "Ada", add-ons: Travel lid (${engraved.request.number}).`);
  });
});
