import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../functions/routes.ts';
import { lambdaContext } from '../../local/http-server.ts';

/*
 * The local API gives each invocation the deadline of its function, as Lambda does; a test stack
 * may scale it (functionTimeoutScale) where the shared DynamoDB Local, not the code, is what is slow.
 */
describe('the local Lambda context', () => {
  it("gives each invocation its function's timeout", () => {
    const timeout = (FUNCTIONS.enqueueEvent.timeoutSeconds ?? 10) * 1000;
    const remaining = lambdaContext('enqueueEvent', 'r1').getRemainingTimeInMillis();
    expect(remaining).toBeLessThanOrEqual(timeout);
    expect(remaining).toBeGreaterThan(timeout - 1000);
  });

  it('scales it when the stack is asked to', () => {
    const timeout = (FUNCTIONS.enqueueEvent.timeoutSeconds ?? 10) * 1000;
    const remaining = lambdaContext('enqueueEvent', 'r2', 6).getRemainingTimeInMillis();
    expect(remaining).toBeGreaterThan(5 * timeout);
    expect(remaining).toBeLessThanOrEqual(6 * timeout);
  });
});
