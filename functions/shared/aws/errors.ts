/** What the SDK puts on its errors' `$metadata`, as far as callers read it. */
export interface AwsResponseMetadata {
  readonly httpStatusCode?: number;
  readonly requestId?: string;
  /** Requests sent in all, the first included. */
  readonly attempts: number;
  /** Milliseconds spent waiting between attempts. */
  readonly totalRetryDelay: number;
}

export interface AwsServiceErrorInit {
  /** The service's error code (`ConditionalCheckFailedException`, `NoSuchKey`): the error's name. */
  readonly code: string;
  readonly message: string;
  readonly $metadata: AwsResponseMetadata;
  /** The service's other fields of the error (CancellationReasons, Item, ...), copied onto it. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/**
 * An error answered by an AWS service, shaped as the SDK's: `name` is the service's code, the
 * service's fields sit on the error itself, and `$metadata` says the HTTP status and request id.
 * A code a client declares (AwsErrorClasses) is thrown as that subclass, so `instanceof` works.
 */
export class AwsServiceError extends Error {
  readonly $metadata: AwsResponseMetadata;
  readonly $fault: 'client' | 'server';

  constructor(init: AwsServiceErrorInit) {
    super(init.message);
    for (const [field, value] of Object.entries(init.fields ?? {})) {
      if (field !== 'name' && field !== 'message' && field !== 'stack' && field !== '$metadata' && field !== '$fault')
        (this as Record<string, unknown>)[field] = value;
    }
    // Set after the fields: a bundle minified without keepNames must still say the service's code.
    this.name = init.code;
    this.$metadata = init.$metadata;
    this.$fault = (init.$metadata.httpStatusCode ?? 500) >= 500 ? 'server' : 'client';
  }
}

/** The subclasses a client throws, by the service's error code. */
export type AwsErrorClasses = Readonly<Record<string, new (init: AwsServiceErrorInit) => AwsServiceError>>;

/** The error for a code: the declared subclass if there is one, else AwsServiceError. */
export function serviceError(classes: AwsErrorClasses | undefined, init: AwsServiceErrorInit): AwsServiceError {
  const ErrorClass = classes !== undefined && Object.hasOwn(classes, init.code) ? classes[init.code] : undefined;
  return ErrorClass === undefined ? new AwsServiceError(init) : new ErrorClass(init);
}
