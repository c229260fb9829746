import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';

/**
 * The local identity provider: an RSA key in the data folder signs tokens (`npm run token`), and the
 * local server verifies them the way the HTTP API's JWT authorizer does (signature, issuer,
 * audience, expiry). Nothing here is used in AWS.
 */
export const LOCAL_ISSUER = 'https://local-idp.itsm.invalid';
export const LOCAL_AUDIENCE = 'itsm-local';
const ALGORITHM = 'RS256';

export interface SigningKey {
  readonly kid: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const dir = join(dataDir, 'keys');
  const file = join(dir, 'local-signing-key.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SigningKey;
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const kid = `local-${Date.now().toString(36)}`;
  const key: SigningKey = {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALGORITHM },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALGORITHM },
  };
  mkdirSync(dir, { recursive: true });
  // `wx`: if another process created the key meanwhile, keep theirs.
  try {
    writeFileSync(file, JSON.stringify(key), { flag: 'wx', mode: 0o600 });
  } catch {
    return JSON.parse(readFileSync(file, 'utf8')) as SigningKey;
  }
  return key;
}

export interface TokenRequest {
  sub: string;
  /** An array claim, as Cognito issues it; a string is put in the claim as is (one plain-string group). */
  groups?: readonly string[] | string;
  /** Default: $GROUPS_CLAIM, else `cognito:groups`, the claim the local runtime reads. */
  groupsClaim?: string;
  expiresInSeconds?: number;
  audience?: string;
  issuer?: string;
  email?: string;
}

/** The claim the local runtime hands the functions as GROUPS_CLAIM: the same setting as in AWS. */
export const localGroupsClaim = (): string => process.env.GROUPS_CLAIM || 'cognito:groups';

export async function mintToken(key: SigningKey, request: TokenRequest): Promise<string> {
  const privateKey = await importJWK(key.privateJwk, ALGORITHM);
  const groupsClaim = request.groupsClaim ?? localGroupsClaim();
  const claims: JWTPayload = { [groupsClaim]: typeof request.groups === 'string' ? request.groups : [...(request.groups ?? [])], token_use: 'access' };
  if (request.email !== undefined) claims.email = request.email;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setSubject(request.sub)
    .setIssuer(request.issuer ?? LOCAL_ISSUER)
    .setAudience(request.audience ?? LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (request.expiresInSeconds ?? 12 * 60 * 60))
    .sign(privateKey);
}

export type Verification = { ok: true; claims: JWTPayload } | { ok: false; reason: string };

/**
 * Why a token was refused, in words fit for a log line: what the authorizer checks (presence,
 * form, signature, issuer, audience, expiry), never the token or anything quoted from it.
 */
function rejectionReason(error: unknown, expected: { issuer: string; audience: string }): string {
  const { code, claim, reason } = error as { code?: string; claim?: string; reason?: string };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad signature (not signed by the local key)';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return `bad signature (only ${ALGORITHM} is accepted)`;
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'aud') return `wrong audience (expected ${expected.audience})`;
      if (claim === 'iss') return `wrong issuer (expected ${expected.issuer})`;
      if (claim === 'nbf' || claim === 'iat') return `not yet valid (${claim})`;
      return reason === 'missing' ? `missing claim ${claim}` : `invalid claim ${claim}`;
    default:
      return 'malformed (not a signed JWT)';
  }
}

export function createVerifier(key: SigningKey, options: { issuer?: string; audience?: string } = {}) {
  const publicKey = importJWK(key.publicJwk, ALGORITHM);
  const expected = { issuer: options.issuer ?? LOCAL_ISSUER, audience: options.audience ?? LOCAL_AUDIENCE };
  return async (authorization: string | undefined): Promise<Verification> => {
    if (authorization === undefined || authorization.trim() === '') return { ok: false, reason: 'missing (no Authorization header)' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null) return { ok: false, reason: 'missing (the Authorization header is not "Bearer <token>")' };
    try {
      const { payload } = await jwtVerify(match[1] as string, await publicKey, {
        issuer: expected.issuer,
        audience: expected.audience,
        algorithms: [ALGORITHM],
        requiredClaims: ['sub', 'exp'],
      });
      return { ok: true, claims: payload };
    } catch (error) {
      return { ok: false, reason: rejectionReason(error, expected) };
    }
  };
}
