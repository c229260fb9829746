import { type RestJsonService, sendRestJson } from './rest-json.ts';

/*
 * SESv2 (REST-JSON, signed as `ses`, at email.<region>.amazonaws.com): SendEmail
 * (POST /v2/email/outbound-emails) with Simple content, with the SDK's member names. Refusals
 * throw AwsServiceError named after SES's code (MessageRejected, MailFromDomainNotVerifiedException,
 * BadRequestException, TooManyRequestsException, ...).
 */

const SESV2: RestJsonService = { service: 'ses', endpointEnv: 'SESV2', defaultHost: (region) => `email.${region}.amazonaws.com` };

export interface Content {
  readonly Data: string;
  readonly Charset?: string;
}

export interface SendEmailInput {
  readonly FromEmailAddress: string;
  readonly Destination: { readonly ToAddresses?: readonly string[]; readonly CcAddresses?: readonly string[]; readonly BccAddresses?: readonly string[] };
  readonly ReplyToAddresses?: readonly string[];
  readonly Content: {
    readonly Simple: {
      readonly Subject: Content;
      readonly Body: { readonly Text?: Content; readonly Html?: Content };
      readonly Headers?: readonly { readonly Name: string; readonly Value: string }[];
    };
  };
}

/** Sends the message; answers SES's MessageId (the local part of the Message-ID header it gives the mail). */
export async function sendEmail(input: SendEmailInput): Promise<{ MessageId?: string }> {
  return sendRestJson(SESV2, { method: 'POST', path: '/v2/email/outbound-emails', body: input });
}
