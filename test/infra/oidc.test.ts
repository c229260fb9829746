import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFindings, productFunctions, type SynthesizedApp, synthesize, unacknowledgedNagFindings } from './helpers.ts';

/** An organisation bringing its own identity provider: no user pool is created at all. */
const ISSUER = 'https://login.example.com/realms/itsm';

let synth: SynthesizedApp;
beforeAll(() => {
  // Strings, as `cdk deploy -c key=value` passes them.
  synth = synthesize({ oidcIssuer: ISSUER, oidcAudience: 'itsm-api, itsm-web', groupsClaim: 'groups' });
});
afterAll(() => synth?.cleanup());

describe('OIDC issuer from context', () => {
  it('creates no Cognito resource', () => {
    const template = synth.apiTemplate.toJSON() as { Resources: Record<string, { Type: string }> };
    expect(Object.values(template.Resources).filter((r) => r.Type.startsWith('AWS::Cognito::'))).toEqual([]);
  });

  it('points the JWT authorizer at the given issuer and audiences', () => {
    synth.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: ISSUER, Audience: ['itsm-api', 'itsm-web'] },
    });
  });

  it('hands the groups claim to every function', () => {
    const functions = Object.values(productFunctions(synth.apiTemplate));
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.Properties?.Environment).toMatchObject({ Variables: { GROUPS_CLAIM: 'groups', REQUESTER_INCIDENT_FIELDS: 'urgency' } });
      expect(JSON.parse((fn.Properties?.Environment as { Variables: Record<string, string> }).Variables.ROLE_GROUPS as string)).toEqual({
        admin: ['admin'],
        agent: ['agent'],
        requester: [],
      });
    }
  });

  it('outputs no user pool ids', () => {
    const outputs = Object.keys((synth.apiTemplate.toJSON() as { Outputs: Record<string, unknown> }).Outputs);
    expect(outputs).not.toContain('UserPoolId');
    expect(outputs).not.toContain('UserPoolClientId');
    expect(outputs).toContain('ApiUrl');
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    expect(describeFindings(unacknowledgedNagFindings(synth.app))).toEqual([]);
  });
});
