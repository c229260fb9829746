import { it } from 'vitest';
import { synthesize, unacknowledgedNagFindings, describeFindings } from './helpers.ts';
it('scratch', () => {
  const t0 = Date.now();
  let s;
  try { s = synthesize(JSON.parse(process.env.SCRATCH_CTX ?? '{}')); } catch (e) { console.log('SYNTH THREW', String((e as Error).message).slice(0, 8000)); throw e; }
  console.log('synth ms', Date.now() - t0);
  console.log(describeFindings(unacknowledgedNagFindings(s.app)).join('\n'));
  console.log('nag ms', Date.now() - t0);
  console.log(s.assembly.directory);
}, 120000);
