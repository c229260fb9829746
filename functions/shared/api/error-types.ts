/**
 * The error types (RFC 9457 problem types) the functions answer with (functions/shared/errors.ts
 * and the HttpErrors raised elsewhere): the slug of `type` (`tag:open-itsm,2026:problem/<slug>`),
 * its status, and when it happens in general. Operations list which ones they can raise; a unit
 * test checks that every slug raised under functions/ is listed here.
 *
 * One catalogue for every area, in the order the API description lists them: an area's api.ts
 * names slugs from here, so a new error type is added here. Read by the OpenAPI build only (no
 * handler imports it).
 */
export const ERROR_TYPES = {
  'validation-error': {
    status: 400,
    when: 'A field is invalid, unknown, or names a record that does not exist, or a text field holds a control character or an unpaired surrogate; `errors` lists each field',
  },
  'body-required': { status: 400, when: 'The request has no body' },
  'malformed-json': { status: 400, when: 'The body is not valid JSON' },
  'empty-patch': { status: 400, when: 'The patch names no field' },
  'impact-too-large': {
    status: 400,
    when: 'The impact analysis would read more relationships than its budget allows; `itemsRead`, `budget` and `suggestedDepth` (a depth that fits, when there is one) say how much',
  },
  'invalid-cursor': { status: 400, when: 'The cursor was not issued by this list with these filters; `errors` names `cursor`' },
  'invalid-idempotency-key': { status: 400, when: 'Idempotency-Key is not 1 to 255 visible ASCII characters' },
  unauthorized: { status: 401, when: 'The token carries no subject' },
  forbidden: { status: 403, when: "The caller's role does not allow the operation" },
  'forbidden-field': { status: 403, when: 'A requester set a field only agents may set; `errors` lists each field' },
  'own-article-version': { status: 403, when: 'The caller wrote (part of) the article version in review: someone else of its owner group reviews it' },
  'not-in-owner-group': { status: 403, when: "Only members of the article's owner group review it (or, with admins, retire it); `ownerGroup` names it" },
  'not-found': { status: 404, when: 'The record does not exist (or, for requesters, is not theirs)' },
  'already-exists': { status: 409, when: 'A record with this name or id exists' },
  'group-in-use': {
    status: 409,
    when: 'Services, CIs (their owner group), boards, templates, catalog items, knowledge articles that are not retired or open incidents, changes, problems and fulfilment tasks still name the group; `references` lists them (`truncated` when there are more)',
  },
  'service-in-use': {
    status: 409,
    when: 'Integration keys, SLA policies, templates, blackout windows, the problem configuration, CMDB relationships, knowledge articles that are not retired or open incidents, changes and problems still name the service; `references` lists them',
  },
  'user-in-use': {
    status: 409,
    when: 'A group it manages, a user whose manager it is, an escalation policy or open incidents, problems, fulfilment tasks and service requests still name the user; `references` lists them',
  },
  'email-in-use': { status: 409, when: 'Another user has this e-mail address (compared case-insensitively); `user` names them' },
  'delete-contended': {
    status: 409,
    when: 'Deleting a group, service, user or CI: what the delete changes with it (the groups a user leaves, the relationships of a CI) kept changing while it ran; nothing was changed, send the same request again (`Retry-After`)',
  },
  'calendar-in-use': { status: 409, when: 'SLA policies still count in the calendar; `policies` names them' },
  'duplicate-policy-scope': { status: 409, when: 'Another SLA policy with exactly the same `appliesTo` sets the same target; `policy` names it' },
  'invalid-transition': { status: 409, when: 'The lifecycle does not allow the move; `from`, `to` and `allowedTransitions` say why' },
  'not-blocked': {
    status: 409,
    when: 'The change is not `scheduled` with its start held by a freeze (or an admin already overrode it): there is nothing to override; `changeStatus` says where it is',
  },
  'not-editable': {
    status: 409,
    when: 'The change request is past assessment: its plan is what was authorized; `changeStatus` and `editableStatuses` say why',
  },
  'blackout-conflict': {
    status: 409,
    when: 'The change window overlaps a blackout window; `blackouts` lists them. Move the window, raise an emergency, or an admin submits with `blackoutOverride`',
  },
  'configuration-items-not-in-cmdb': {
    status: 409,
    when: 'The stored change names configuration items that are not CI ids (free text from before the CMDB, or CIs deleted since): replace them with PATCH, then submit again; `configurationItems` lists each `{index, value}`',
  },
  'not-awaiting-approval': {
    status: 409,
    when: 'The change or service request is not waiting for approval (a change not in `assess` or `authorize`, a request not `awaiting_approval`), or its round or stage is decided',
  },
  'already-voted': { status: 409, when: 'The caller already voted in this approval round (of a change) or stage (of a service request)' },
  'already-deflected': {
    status: 409,
    when: 'The suggestion was marked as answered already (a deflection counts once); `article` names the article it was credited to',
  },
  'no-manager': {
    status: 409,
    when: "The catalog item asks the requester's manager to approve, and the directory names no manager for the requester (set `manager` on their user)",
  },
  'catalog-item-changed': { status: 409, when: 'The catalog item changed each time the request was about to be placed; read it and order again' },
  'feedback-exists': {
    status: 409,
    when: 'The caller already gave feedback on this published version of the article (once per person per version); `version` names it',
  },
  'article-not-published': { status: 409, when: 'The article is a draft, in review or retired: only a published article takes feedback; `status` says which' },
  'article-changed': { status: 409, when: 'The article was published anew or retired while the request was handled; read it and send again' },
  'article-exists': {
    status: 409,
    when: 'The known error was turned into an article already (one per known error, until that article is retired); `article` names it',
  },
  'incident-already-linked': {
    status: 409,
    when: 'The incident is linked to a problem already (an incident is linked to at most one); `linkedProblem` names it, `incident` the incident',
  },
  'problem-closed': { status: 409, when: 'The problem is closed or canceled: its incidents can no longer be linked or unlinked; `problemStatus` says which' },
  'link-contended': {
    status: 409,
    when: 'Linking or unlinking: the problem kept changing under the request through every attempt (many links of it at the same moment); nothing was changed, send the same request again (`Retry-After`)',
  },
  'relationship-exists': {
    status: 409,
    when: 'The relationship is stored already, under this name or its inverse (`a depends_on b` is `b used_by a`); `relationship` names it as stored',
  },
  'ci-retired': { status: 409, when: 'A retired CI keeps its relationships but takes no new one; `ci` names it' },
  'ci-is-a-service': {
    status: 409,
    when: "The CI is one of the directory's services (class `service`): change or delete it with /services/{name}; the service class's schema is not an admin's to set",
  },
  'too-many-relationships': {
    status: 409,
    when: 'Deleting a CI removes its relationships in the same transaction, at most `limit` of them: remove some first, or retire the CI',
  },
  'class-in-use': { status: 409, when: 'CIs of the class exist: delete them or change their class before deleting the class' },
  'article-retired': { status: 409, when: 'The article is retired: it is no longer edited, submitted, reviewed or retired again; `articleStatus` says so' },
  'nothing-to-submit': {
    status: 409,
    when: 'The article has no draft to send for review (its version is in review already, or it is published with no edit in progress); `articleStatus` says where it is',
  },
  'not-in-review': { status: 409, when: 'The article has no version in review: submit it first; `articleStatus` says where it is' },
  'precondition-failed': { status: 412, when: 'If-Match does not name the current version (`currentEtag` has it, when known)' },
  'payload-too-large': { status: 413, when: 'The body is larger than 64 KB' },
  'unsupported-media-type': { status: 415, when: 'Content-Type is neither application/json nor application/*+json' },
  'idempotency-key-reused': { status: 422, when: 'The Idempotency-Key was used in the last 24 hours with a different body' },
  'precondition-required': { status: 428, when: 'If-Match is missing' },
  'internal-error': { status: 500, when: 'Anything unexpected; `requestId` identifies the request' },
  'workflow-not-started': {
    status: 503,
    when: 'The change was submitted but its approval workflow did not start; submit again with the new ETag (`etag`) to start it',
  },
  unavailable: { status: 503, when: 'The API cannot reach its storage; retry later' },
} as const satisfies Record<string, { status: number; when: string }>;

export type ErrorTypeSlug = keyof typeof ERROR_TYPES;
