import type { FormField, RequestPlan } from './catalog.ts';

/*
 * A request's answers as people read them: in the form's order, under the form's titles, a choice
 * by its label ("Model: MacBook Pro 14", not "model: macbook-pro-14"). The e-mail texts and the task
 * descriptions both show answers this way. Pure and free of the form validator, so that the
 * e-mail sender can use it without bundling it.
 */

/**
 * The fields of the form the request was ordered from, in the form's order. A request made before
 * plans recorded them has its titles only (a stored map, whose order is lost): its fields come in
 * that map's order, without choice labels.
 */
export function planFormFields(plan: Pick<RequestPlan, 'formFields' | 'formTitles'>): readonly FormField[] {
  return plan.formFields ?? Object.entries(plan.formTitles).map(([name, title]) => ({ name, title }));
}

const sameValue = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/** One answer as text: a choice by its label, a list joined with commas, an object as JSON. */
export function answerText(answer: unknown, field?: FormField): string {
  if (answer === undefined || answer === null) return '';
  if (Array.isArray(answer)) return answer.map((element) => answerText(element, field)).join(', ');
  const choice = field?.choices?.find((candidate) => sameValue(candidate.value, answer));
  if (choice !== undefined) return choice.label;
  return typeof answer === 'object' ? JSON.stringify(answer) : String(answer);
}

/** Each given answer with its title and text, in the form's order; answers the form does not name come last, by their names. */
export function answerLines(answers: Readonly<Record<string, unknown>>, fields: readonly FormField[]): { title: string; text: string }[] {
  const given = (name: string) => Object.hasOwn(answers, name) && answers[name] !== undefined;
  const named = new Set(fields.map((field) => field.name));
  return [
    ...fields.filter((field) => given(field.name)).map((field) => ({ title: field.title, text: answerText(answers[field.name], field) })),
    ...Object.keys(answers)
      .filter((name) => !named.has(name) && given(name))
      .map((name) => ({ title: name, text: answerText(answers[name]) })),
  ];
}
