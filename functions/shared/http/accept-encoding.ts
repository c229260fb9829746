/**
 * Whether a request's Accept-Encoding (RFC 9110 §12.5.3) takes a gzip body: `gzip` (or `x-gzip`)
 * named with a non-zero weight, or `*` with one when gzip is not named. Without the header the
 * answer is no: RFC 9110 would allow any coding then, but curl, scripts and older HTTP clients send
 * none and expect the bytes as they are, so only a client that asks gets gzip.
 */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  let gzipWeight: number | undefined;
  let anyWeight: number | undefined;
  for (const item of acceptEncoding.split(',')) {
    const [coding = '', ...params] = item.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (coding === 'gzip' || coding === 'x-gzip') gzipWeight = Math.max(gzipWeight ?? 0, weight);
    else if (coding === '*') anyWeight = weight;
  }
  const weight = gzipWeight ?? anyWeight ?? 0;
  return Number.isFinite(weight) && weight > 0;
}
