import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';

/**
 * The control for the zero-findings assertions in the other files: the same plugin wiring as
 * infra/app.ts does fail a synth, and does report, when a finding is not acknowledged. Without
 * this, "no findings" could also mean "the rule pack never ran".
 */
function appWithPlugin(outdir: string): App {
  const app = new App({ outdir });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

describe('cdk-nag wiring', () => {
  it('fails the synth on an unacknowledged error and names the rule', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'itsm-nag-'));
    try {
      const app = appWithPlugin(outdir);
      // A topic that accepts plain-HTTP publishes: AwsSolutions-SNS3.
      new Topic(new Stack(app, 'Bad'), 'Topic');
      // In-process synthesis throws the report itself (the CLI prints it and says 'Validation failed').
      expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
      expect(new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName)).toContain('AwsSolutions-SNS3');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('lets an acknowledged finding through, and only on the acknowledged construct', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'itsm-nag-'));
    try {
      const app = appWithPlugin(outdir);
      const stack = new Stack(app, 'Acked');
      const acknowledged = new Topic(stack, 'Acknowledged');
      Validations.of(acknowledged).acknowledge({ id: 'AwsSolutions-SNS3', reason: 'test' });
      new Topic(stack, 'NotAcknowledged');
      const violations = new AwsSolutionsChecks().validateScope(app).violations;
      const paths = violations.filter((v) => v.ruleName === 'AwsSolutions-SNS3').flatMap((v) => v.violatingResources.map((r) => r.constructPath));
      expect(paths).toEqual(['Acked/NotAcknowledged/Resource']);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
