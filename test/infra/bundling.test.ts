import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { esmRequireShim } from '../../lib/parley-function.ts';
import { ParleyStack } from '../../lib/parley-stack.ts';
import { functionNames, type Resource } from './template-helpers.ts';

describe('bundling', () => {
  it('bundles every function as minified ESM with a source map, the AWS SDK included', {
    timeout: 120_000,
  }, () => {
    // Prepare
    const outdir = mkdtempSync(join(tmpdir(), 'parley-cdk-'));
    try {
      // Act
      const app = new App({ outdir });
      const stack = new ParleyStack(app, 'ParleyBundled');
      const template = app.synth().getStackByName(stack.stackName).template as {
        Resources: Record<string, Resource>;
      };

      // Assess
      const assets = Object.values(template.Resources)
        .filter((resource) => resource.Type === 'AWS::Lambda::Function')
        .map((resource) => (resource.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, ''))
        .map((hash) => join(outdir, `asset.${hash}`));
      expect(assets).toHaveLength(functionNames.length);
      for (const asset of assets) {
        expect(readdirSync(asset).sort()).toEqual(['index.mjs', 'index.mjs.map']);
        const code = readFileSync(join(asset, 'index.mjs'), 'utf8');
        expect(code.startsWith(esmRequireShim)).toBe(true);
        // Minified: long lines (the bundled SDK keeps a few newlines inside its template strings).
        expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
        // Nothing is left for the runtime to provide: no import of the SDK by package name.
        expect(code).not.toMatch(/from\s*"@aws-sdk\//);
        expect(code).not.toMatch(/import\(\s*"@aws-sdk\//);
        // The plain-HTTP key-set fetcher is the local stack's alone: no deployed function carries it.
        expect(code).not.toContain('plain HTTP is allowed only for localhost');
        const map = JSON.parse(readFileSync(join(asset, 'index.mjs.map'), 'utf8')) as {
          sourcesContent?: unknown;
        };
        expect(map.sourcesContent).toBeUndefined();
      }
      // The DynamoDB client's wire-protocol target appears only where the SDK itself was bundled.
      const sdkUsers = assets.filter((asset) =>
        readFileSync(join(asset, 'index.mjs'), 'utf8').includes('DynamoDB_20120810'),
      );
      expect(sdkUsers.length).toBeGreaterThan(0);
    } finally {
      if (existsSync(outdir)) rmSync(outdir, { recursive: true, force: true });
    }
  });
});
