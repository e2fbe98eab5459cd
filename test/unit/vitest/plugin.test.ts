import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ViteUserConfig } from 'vitest/config';
import { OptionsError } from '../../../src/options/schema.js';
import { dockerJanitor, GLOBAL_SETUP } from '../../../src/vitest/plugin.js';

describe('dockerJanitor()', () => {
  it('adds the global setup and provides the options under one key', () => {
    const options = { images: 'session' as const, adopt: { labels: ['org.testcontainers=true'] } };
    const plugin = dockerJanitor(options);

    expect(plugin.name).toBe('docker-janitor');
    expect(plugin.config()).toEqual({
      test: { globalSetup: [GLOBAL_SETUP], provide: { 'docker-janitor': options } },
    });
    // A copy: what travels to the workers is not the user's object.
    expect(plugin.config().test.provide['docker-janitor']).not.toBe(options);
  });

  it('points at the built global setup next to it (dist/vitest/global-setup.js once built)', () => {
    expect(GLOBAL_SETUP).toMatch(/[/\\]vitest[/\\]global-setup\.js$/);
    expect(existsSync(GLOBAL_SETUP.replace(/\.js$/, '.ts'))).toBe(true);
  });

  it('without options provides an empty object (all defaults)', () => {
    expect(dockerJanitor().config().test.provide).toEqual({ 'docker-janitor': {} });
  });

  it('a bad option fails at once, naming the option, the value and what is allowed', () => {
    const bad = { images: 'everything', stopTimeout: 'soon' } as unknown as Parameters<typeof dockerJanitor>[0];
    expect(() => dockerJanitor(bad)).toThrow(OptionsError);
    expect(() => dockerJanitor(bad)).toThrow(/^Invalid dockerJanitor\(\) options: images: .*"all".*\(got "everything"\); stopTimeout: expected a duration .*\(got "soon"\)$/);
    expect(() => dockerJanitor({ colour: true } as never)).toThrow(/unknown option\(s\): colour/);
  });

  it('a bigint, a circular object or a function is an OptionsError naming the option, not a TypeError', () => {
    expect(() => dockerJanitor({ stopTimeout: 10n } as never)).toThrow(/^Invalid dockerJanitor\(\) options: stopTimeout: .*\(got 10n\)$/);
    const adopt: Record<string, unknown> = { labels: [] };
    adopt.self = adopt;
    expect(() => dockerJanitor({ adopt } as never)).toThrow(OptionsError);
    expect(() => dockerJanitor({ adopt } as never)).toThrow(/adopt: unknown option\(s\): self/);
    expect(() => dockerJanitor({ docker: { path: () => 'docker' } } as never)).toThrow(/docker\.path: .*\(got \[function\]\)/);
  });

  it('fits in a Vitest config (type-checked by tsc)', () => {
    const config: ViteUserConfig = { plugins: [dockerJanitor({ keepOnFailure: true })], test: { include: ['x'] } };
    expect(config.plugins).toHaveLength(1);
  });
});
