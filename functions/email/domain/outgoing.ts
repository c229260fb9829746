import { answerLines, planFormFields } from '../../requests/domain/answers.ts';
import type { ServiceRequest } from '../../requests/domain/request.ts';
import { LOOP_HEADER, LOOP_HEADER_VALUE } from './inbound.ts';

/**
 * The e-mail a request event calls for, as plain text: who gets it (user ids; the handler finds
 * their addresses) and what it says. Pure. Every message names the request number in its subject
 * (`[REQ0000001] ...`), which is how a reply finds its request when its client drops the
 * In-Reply-To header.
 */

export const REQUEST_MAIL_EVENT_TYPES = [
  'Request Submitted',
  'Request Approval Requested',
  'Request Approval Reminder',
  'Request Approved',
  'Request Rejected',
  'Request Expired',
  'Request Fulfilled',
  'Request Closed Incomplete',
] as const;
export type RequestMailEventType = (typeof REQUEST_MAIL_EVENT_TYPES)[number];

export const isRequestMailEvent = (type: string): type is RequestMailEventType => (REQUEST_MAIL_EVENT_TYPES as readonly string[]).includes(type);

export interface OutgoingMail {
  /** The user it goes to. */
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** Headers every message carries: auto-replies to it are not expected, and if one comes back it is recognised as ours. */
export const OUTGOING_HEADERS: readonly { name: string; value: string }[] = [
  { name: 'Auto-Submitted', value: 'auto-generated' },
  { name: LOOP_HEADER, value: LOOP_HEADER_VALUE },
];

/** The request's answers, one per line, under the form's own titles and in its order, a choice by its label. */
export function answersText(request: Pick<ServiceRequest, 'answers' | 'plan'>): string {
  const lines = answerLines(request.answers, planFormFields(request.plan));
  if (lines.length === 0) return '  (no answers)';
  return lines.map((line) => `  ${line.title}: ${line.text.replace(/\n/g, '\n    ')}`).join('\n');
}

const REPLY_FOOTER = (number: string) => `\n\nReply to this e-mail to add a note to ${number}; keep ${number} in the subject.`;

/**
 * The mail for an event about `request`. `approvers`: who the event says was asked (approval
 * events); `names`: display names by user id, for the greeting; `apiUrl`: where to decide, if known.
 */
export function requestMails(input: {
  type: RequestMailEventType;
  request: ServiceRequest;
  approvers: readonly string[];
  names: Readonly<Record<string, string>>;
  apiUrl?: string;
}): OutgoingMail[] {
  const { request } = input;
  const tag = `[${request.number}]`;
  const item = request.item.name;
  const hello = (userId: string) => `Hello ${input.names[userId] ?? userId},\n\n`;
  const toRequester = (subject: string, body: string): OutgoingMail[] => [
    { to: request.requester, subject: `${tag} ${subject}`, text: `${hello(request.requester)}${body}${REPLY_FOOTER(request.number)}` },
  ];
  switch (input.type) {
    case 'Request Submitted':
      return toRequester(
        `Received: ${item}`,
        `we have received your request ${request.number} (${item}).${request.stages.length > 0 ? ' It needs approval first; we will tell you the decision.' : ' It goes to fulfilment now.'}\n\nYour answers:\n${answersText(request)}`,
      );
    case 'Request Approval Requested':
    case 'Request Approval Reminder': {
      const reminder = input.type === 'Request Approval Reminder';
      const where = `${input.apiUrl ?? ''}/requests/${request.id}/approvals`;
      const requesterName = input.names[request.requester] ?? request.requester;
      return input.approvers.map((approver) => ({
        to: approver,
        subject: `${tag} ${reminder ? 'Reminder: please' : 'Please'} decide: ${item} for ${requesterName}`,
        text:
          `${hello(approver)}${reminder ? 'a request is still waiting for your decision' : 'your decision is needed on a request'}: ` +
          `${request.number}, ${item}, requested by ${requesterName}.\n\nTheir answers:\n${answersText(request)}\n\n` +
          `To decide, POST ${where} with {"decision": "approve"} or {"decision": "reject", "comment": "why"}.` +
          // A mail proves an address, not the intent to vote: replies are notes, votes go through the API.
          `\n\nReplying to this e-mail adds a note to ${request.number} for the requester and the service desk; a reply does not decide.`,
      }));
    }
    case 'Request Approved':
      return toRequester(`Approved: ${item}`, `your request ${request.number} (${item}) is approved and goes to fulfilment.`);
    case 'Request Rejected':
      return toRequester(`Rejected: ${item}`, `your request ${request.number} (${item}) was rejected.`);
    case 'Request Expired':
      return toRequester(`Not approved in time: ${item}`, `your request ${request.number} (${item}) was not decided in time and is closed as rejected.`);
    case 'Request Fulfilled':
      return toRequester(`Fulfilled: ${item}`, `your request ${request.number} (${item}) is fulfilled.`);
    case 'Request Closed Incomplete':
      return toRequester(
        `Closed incomplete: ${item}`,
        `your request ${request.number} (${item}) was closed, but not all of it could be done. The service desk's notes on the request say why.`,
      );
  }
}
