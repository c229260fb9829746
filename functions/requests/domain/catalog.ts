/*
 * The service catalog: what can be ordered, with the form its requester fills in, who may order
 * it, the approval stages an order goes through and the tasks that fulfil it. Every edit makes a
 * new version; a request copies the plan of the version it was ordered from, so editing an item
 * never changes requests already made.
 */

/** A JSON Schema (draft 2020-12) object: the item's form. Its properties' `title`s name the fields in errors and e-mail. */
export type JsonSchemaObject = Record<string, unknown>;

export type CatalogApprovalStage =
  /** The requester's manager, as the directory's user record names them. */
  | { kind: 'manager' }
  /** Members of a directory group; `quorum` approvals decide the stage. */
  | { kind: 'group'; group: string; quorum: number };

export interface CatalogTaskTemplate {
  name: string;
  assignmentGroup: string;
  /** Filled in when the task is created (task-rules.ts fillTaskTemplate): {{number}}, {{requester}}, {{item}}, {{answers.<field>}}, {{answers}}, {{answers.<field>|default}}, {{#answers.<field>}}...{{/answers.<field>}}. */
  description: string;
}

export const FULFILMENT_MODES = ['sequential', 'parallel'] as const;
export type FulfilmentMode = (typeof FULFILMENT_MODES)[number];

export interface CatalogApproval {
  /** In order; none: the request goes straight to fulfilment. */
  stages: CatalogApprovalStage[];
}

export interface CatalogFulfilment {
  mode: FulfilmentMode;
  /** At least one. */
  tasks: CatalogTaskTemplate[];
}

export interface CatalogItem {
  /** A slug (`new-laptop`), chosen at creation. */
  id: string;
  name: string;
  category: string;
  description: string;
  form: JsonSchemaObject;
  /** Empty: everyone may order it. */
  orderableBy: { groups: string[] };
  approval: CatalogApproval;
  fulfilment: CatalogFulfilment;
  /** The SLA policy its tasks' clocks run under; without it, policy selection as for a P4 incident of category `request`. */
  slaPolicy?: string;
  /** An inactive item is kept (requests name it) but cannot be ordered, and requesters do not see it. */
  active: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

/** One choice of a field whose form gives its values labels (`oneOf` of `{ const, title }`). */
export interface FormFieldChoice {
  value: unknown;
  label: string;
}

/** A form field as a request shows its answer: its name, its title, and the labels of its choices. */
export interface FormField {
  name: string;
  /** The field's `title` (its name when it has none). */
  title: string;
  /** The labelled values of a choice (or of a list of choices): an answer shows the label, not the value. */
  choices?: FormFieldChoice[];
}

/** What a request copies of the version it was ordered from. */
export interface RequestPlan {
  approval: CatalogApproval;
  fulfilment: CatalogFulfilment;
  slaPolicy?: string;
  /**
   * The form's fields in the form's order, with their titles and choice labels: how answers are
   * shown (e-mail, task descriptions). A list, because a stored map does not keep its order.
   * Absent on requests made before it was recorded: formTitles stands in (planFormFields).
   */
  formFields?: FormField[];
  /** Each form field's title (the field's name when it has none), by name. Its order is not kept: formFields has the order. */
  formTitles: Record<string, string>;
}
