import { describe, expect, it } from 'vitest';
import { catalogEventRecord } from '../../functions/requests/domain/catalog-events.ts';
import { catalogItemFields, catalogItemIssues, groupsNamed, matchesWords, mayOrder } from '../../functions/requests/domain/catalog-rules.ts';
import { formFields, formTitles, validateAnswers, validateForm } from '../../functions/requests/domain/form.ts';
import { catalogItemEventDetail } from '../../functions/requests/schemas/events.ts';
import { SEEDED_CATALOG, SEEDED_GROUPS } from '../../functions/requests/seed-catalog.ts';

const seeded = (id: string) => {
  const item = SEEDED_CATALOG.find((candidate) => candidate.id === id);
  if (item === undefined) throw new Error(`No seeded item ${id}`);
  return item;
};

const VALID_ANSWERS = {
  'new-laptop': { model: 'macbook-air-13', keyboardLayout: 'UK', deliveryAddress: '1 Main Street, Springfield', replacesAssetTag: 'LT-00042' },
  'application-access': { application: 'Jira', accessLevel: 'admin', justification: 'I administer the project boards of my team', endDate: '2027-03-31' },
  'software-licence': { product: 'Figma Professional', quantity: 3, costCentre: 'CC-1234', licensees: ['carol', 'dave'] },
  'password-reset': { account: 'carol@example.com', system: 'VPN' },
  'report-something-else': { summary: 'The printer on floor 3 jams', details: 'Since Monday, every second page.' },
} satisfies Record<string, Record<string, unknown>>;

describe('the seeded catalog', () => {
  it('holds the five items, each with a valid form and a valid answer set', () => {
    expect(SEEDED_CATALOG.map((item) => item.id)).toEqual(['new-laptop', 'application-access', 'software-licence', 'password-reset', 'report-something-else']);
    for (const item of SEEDED_CATALOG) {
      expect(validateForm(item.form), item.id).toEqual([]);
      expect(catalogItemIssues(item), item.id).toEqual([]);
      expect(validateAnswers(item.form, VALID_ANSWERS[item.id as keyof typeof VALID_ANSWERS]), item.id).toEqual([]);
    }
  });

  it('names only groups it seeds', () => {
    const seededGroups = new Set(SEEDED_GROUPS.map((group) => group.name));
    for (const item of SEEDED_CATALOG) for (const { group } of groupsNamed(item)) expect(seededGroups.has(group), `${item.id}: ${group}`).toBe(true);
  });

  it('takes what e-mail sends to report-something-else', () => {
    expect(validateAnswers(seeded('report-something-else').form, { summary: 'Re: help', details: '' })).toEqual([]);
    expect(validateAnswers(seeded('report-something-else').form, { summary: 'x'.repeat(501), details: '' }).map((issue) => issue.path)).toEqual([['summary']]);
  });
});

describe('validateAnswers names each wrong field by its title', () => {
  it('a choice with labels lists the labels', () => {
    expect(validateAnswers(seeded('new-laptop').form, { ...VALID_ANSWERS['new-laptop'], model: 'commodore-64' })).toEqual([
      { path: ['model'], message: 'Model: must be one of MacBook Air 13, MacBook Pro 14, ThinkPad X1 Carbon, Dell Latitude 7450' },
    ]);
  });

  it('an enum lists its values', () => {
    expect(validateAnswers(seeded('new-laptop').form, { ...VALID_ANSWERS['new-laptop'], keyboardLayout: 'Dvorak' })).toEqual([
      { path: ['keyboardLayout'], message: 'Keyboard layout: must be one of US, UK, DE, FR, NL, Nordic' },
    ]);
  });

  it('required fields, each of them', () => {
    expect(validateAnswers(seeded('application-access').form, { application: 'Jira' })).toEqual([
      { path: ['accessLevel'], message: 'Access level is required' },
      { path: ['justification'], message: 'Justification is required' },
    ]);
  });

  it('minLength, pattern, integer, minimum and maximum', () => {
    const access = validateAnswers(seeded('application-access').form, { ...VALID_ANSWERS['application-access'], justification: 'because' });
    expect(access).toEqual([{ path: ['justification'], message: 'Justification: must be at least 20 characters long' }]);
    const licence = seeded('software-licence').form;
    expect(validateAnswers(licence, { ...VALID_ANSWERS['software-licence'], costCentre: '1234' })).toEqual([
      { path: ['costCentre'], message: 'Cost centre: must match the pattern ^CC-\\d{4}$' },
    ]);
    expect(validateAnswers(licence, { ...VALID_ANSWERS['software-licence'], quantity: 2.5 })).toEqual([
      { path: ['quantity'], message: 'Quantity: must be a whole number' },
    ]);
    expect(validateAnswers(licence, { ...VALID_ANSWERS['software-licence'], quantity: 0 })).toEqual([
      { path: ['quantity'], message: 'Quantity: must be at least 1' },
    ]);
    expect(validateAnswers(licence, { ...VALID_ANSWERS['software-licence'], quantity: 51 })).toEqual([
      { path: ['quantity'], message: 'Quantity: must be at most 50' },
    ]);
    expect(validateAnswers(licence, { ...VALID_ANSWERS['software-licence'], quantity: '3' })).toEqual([
      { path: ['quantity'], message: 'Quantity: must be a whole number' },
    ]);
  });

  it('items of a list are named by position', () => {
    expect(validateAnswers(seeded('software-licence').form, { ...VALID_ANSWERS['software-licence'], licensees: ['carol', 7] })).toEqual([
      { path: ['licensees', 1], message: 'Licensees, item 2: must be text' },
    ]);
  });

  it('a conditional field (if/then): administrator access needs an end date', () => {
    const form = seeded('application-access').form;
    const { endDate: _endDate, ...withoutEnd } = VALID_ANSWERS['application-access'];
    expect(validateAnswers(form, withoutEnd)).toEqual([{ path: ['endDate'], message: 'End date is required' }]);
    expect(validateAnswers(form, { ...withoutEnd, accessLevel: 'read' })).toEqual([]);
    expect(validateAnswers(form, { ...withoutEnd, endDate: '31/03/2027' })).toEqual([{ path: ['endDate'], message: 'End date: must be a date (YYYY-MM-DD)' }]);
  });

  it('dependentRequired names the missing field and the one that needs it', () => {
    const form = {
      type: 'object',
      properties: { phone: { type: 'string', title: 'Phone' }, callbackWindow: { type: 'string', title: 'Callback window' } },
      dependentRequired: { phone: ['callbackWindow'] },
    };
    expect(validateForm(form)).toEqual([]);
    expect(validateAnswers(form, { phone: '+31 20 123 4567' })).toEqual([
      { path: ['callbackWindow'], message: 'Callback window is required when Phone is given' },
    ]);
    expect(validateAnswers(form, {})).toEqual([]);
  });

  it('fields the form does not have (additionalProperties false)', () => {
    expect(validateAnswers(seeded('password-reset').form, { account: 'carol', colour: 'blue' })).toEqual([
      { path: ['colour'], message: 'colour is not a field of this form' },
    ]);
  });

  it('answers that are not an object', () => {
    expect(validateAnswers(seeded('password-reset').form, ['carol'])).toEqual([{ path: [], message: 'The answers: must be an object' }]);
  });

  it('a field without a title is named by its name', () => {
    const form = { type: 'object', required: ['ticket'], properties: { ticket: { type: 'string' } } };
    expect(validateAnswers(form, {})).toEqual([{ path: ['ticket'], message: 'ticket is required' }]);
    expect(formTitles(form)).toEqual({ ticket: 'ticket' });
  });
});

describe('validateForm', () => {
  it('refuses what is not an object form', () => {
    expect(validateForm([])).toHaveLength(1);
    expect(validateForm({ type: 'string' }).map((issue) => issue.path)).toEqual([['type'], ['properties']]);
    expect(validateForm({ type: 'object', properties: { a: { type: 'nonsense' } } }).map((issue) => issue.path.join('.'))).toEqual(['properties.a.type']);
    expect(validateForm({ type: 'object', properties: { a: { type: 'string', pattern: '([' } } }).map((issue) => issue.path.join('.'))).toEqual([
      'properties.a.pattern',
    ]);
    // Said as what it is, naming the field by its title (a meta-schema `format: regex` would only say "does not match schema").
    const [badPattern] = validateForm({ type: 'object', properties: { tag: { title: 'Asset tag', type: 'string', pattern: '^[A-Z]{2}-\\d{5' } } });
    expect(badPattern).toEqual({
      path: ['properties', 'tag', 'pattern'],
      message: expect.stringMatching(/^Asset tag: the regular expression does not compile \(.+\)$/),
    });
    expect(validateForm({ type: 'object', patternProperties: { '[': { type: 'string' } }, properties: {} })).toEqual([
      { path: ['patternProperties', '['], message: expect.stringMatching(/^The regular expression does not compile/) },
    ]);
    expect(validateForm({ type: 'object', properties: { a: { type: 'string' } }, required: ['b'] })).toEqual([
      { path: ['required', 0], message: "b is required but is not one of the form's properties" },
    ]);
    expect(validateForm({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: {} }).map((issue) => issue.path)).toEqual([
      ['$schema'],
    ]);
  });

  it('formFields: each field in the form’s order, with the labels of a labelled choice (or of a list of them)', () => {
    expect(formFields(seeded('new-laptop').form)).toEqual([
      {
        name: 'model',
        title: 'Model',
        choices: [
          { value: 'macbook-air-13', label: 'MacBook Air 13' },
          { value: 'macbook-pro-14', label: 'MacBook Pro 14' },
          { value: 'thinkpad-x1-carbon', label: 'ThinkPad X1 Carbon' },
          { value: 'dell-latitude-7450', label: 'Dell Latitude 7450' },
        ],
      },
      { name: 'keyboardLayout', title: 'Keyboard layout' },
      { name: 'deliveryAddress', title: 'Delivery address' },
      { name: 'replacesAssetTag', title: 'Replaces asset tag' },
    ]);
    const list = { type: 'object', properties: { extras: { type: 'array', items: { anyOf: [{ const: 1, title: 'Dock' }, { const: 2 }] } } } };
    expect(formFields(list)).toEqual([{ name: 'extras', title: 'extras', choices: [{ value: 1, label: 'Dock' }] }]);
  });

  it('formTitles: each field by name, in the form’s order', () => {
    expect(formTitles(seeded('software-licence').form)).toEqual({
      product: 'Product',
      quantity: 'Quantity',
      costCentre: 'Cost centre',
      licensees: 'Licensees',
    });
  });
});

describe('catalog rules', () => {
  const item = { active: true, orderableBy: { groups: ['finance'] } };

  it('mayOrder: active, and everyone or a member of a named group', () => {
    expect(mayOrder({ active: true, orderableBy: { groups: [] } }, new Set())).toBe(true);
    expect(mayOrder(item, new Set())).toBe(false);
    expect(mayOrder(item, new Set(['finance']))).toBe(true);
    expect(mayOrder({ ...item, active: false }, new Set(['finance']))).toBe(false);
  });

  it('matchesWords: every word starts a word of the name or description, case-insensitively', () => {
    const laptop = { name: 'New laptop', description: 'A new or replacement laptop, delivered set up' };
    expect(matchesWords(laptop, 'LAP')).toBe(true);
    expect(matchesWords(laptop, 'new lap')).toBe(true);
    expect(matchesWords(laptop, 'replace deliver')).toBe(true);
    expect(matchesWords(laptop, 'aptop')).toBe(false);
    expect(matchesWords(laptop, 'laptop printer')).toBe(false);
  });

  it('catalogItemIssues: one manager stage, a group asked once, task names unique, the form checked', () => {
    const fields = catalogItemFields({
      name: 'x',
      category: 'General',
      description: '',
      form: { type: 'object', properties: {} },
      approval: {
        stages: [{ kind: 'manager' }, { kind: 'group', group: 'a', quorum: 1 }, { kind: 'manager' }, { kind: 'group', group: 'a', quorum: 2 }],
      },
      fulfilment: {
        mode: 'parallel',
        tasks: [
          { name: 't', assignmentGroup: 'a', description: '' },
          { name: 't', assignmentGroup: 'b', description: '' },
        ],
      },
    });
    expect(catalogItemIssues(fields).map((issue) => issue.path.join('.'))).toEqual(['approval.stages.2', 'approval.stages.3.group', 'fulfilment.tasks.1.name']);
    expect(
      catalogItemIssues({ ...fields, approval: { stages: [] }, fulfilment: { mode: 'parallel', tasks: [] }, form: { type: 'array' } }).map((issue) =>
        issue.path.join('.'),
      ),
    ).toEqual(['form.type', 'form.properties']);
    expect(fields.active).toBe(true);
    expect(fields.orderableBy).toEqual({ groups: [] });
  });
});

describe('catalog events', () => {
  it('fit the published detail schema and carry no free text', () => {
    const fields = seeded('new-laptop');
    const item = { ...fields, version: 2, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z', createdBy: 'ada', updatedBy: 'ada' };
    const record = catalogEventRecord({
      eventId: '01J00000000000000000000000',
      type: 'Catalog Item Updated',
      item,
      actor: 'ada',
      occurredAt: item.updatedAt,
      changes: [
        { field: 'description', from: 'Old text', to: fields.description },
        { field: 'active', from: false, to: true },
      ],
    });
    expect(catalogItemEventDetail.parse(record.detail)).toEqual(record.detail);
    expect(record.catalogItemId).toBe('new-laptop');
    expect(record.detail.changes).toEqual([{ field: 'description' }, { field: 'active', from: false, to: true }]);
    expect(JSON.stringify(record)).not.toContain('Old text');
    expect(JSON.stringify(record)).not.toContain(fields.name);
  });
});
