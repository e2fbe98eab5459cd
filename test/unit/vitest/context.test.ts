import { describe, expect, it } from 'vitest';
import { providedOptions, runFailed, summaryStream } from '../../../src/vitest/context.js';

describe('providedOptions', () => {
  it('reads test.provide["docker-janitor"]', () => {
    expect(providedOptions({ 'docker-janitor': { images: 'off' }, other: 1 })).toEqual({ images: 'off' });
    expect(providedOptions({})).toBeUndefined();
    expect(providedOptions(undefined)).toBeUndefined();
  });
});

describe('runFailed', () => {
  const state = (failed: number, errors: unknown[] = [], files: Array<{ result?: { state?: string } }> = []) => ({
    getCountOfFailedTests: () => failed,
    getUnhandledErrors: () => errors,
    getFiles: () => files,
  });

  it('a passing run', () => {
    expect(runFailed(state(0, [], [{ result: { state: 'pass' } }]), undefined)).toBe(false);
    expect(runFailed(state(0), 0)).toBe(false);
    expect(runFailed(undefined, undefined)).toBe(false);
  });

  it('a failed test, a file that failed to load, an unhandled error', () => {
    expect(runFailed(state(1), undefined)).toBe(true);
    expect(runFailed(state(0, [], [{ result: { state: 'fail' } }]), undefined)).toBe(true);
    expect(runFailed(state(0, [new Error('boom')]), undefined)).toBe(true);
  });

  it('an exit code Vitest already set', () => {
    expect(runFailed(state(0), 1)).toBe(true);
    expect(runFailed(undefined, '1')).toBe(true);
  });

  it('state methods a future Vitest might not have', () => {
    expect(runFailed({}, undefined)).toBe(false);
  });
});

describe('summaryStream', () => {
  it('stdout with the default reporters', () => {
    expect(summaryStream({ reporters: [['default', {}]] })).toBe('stdout');
    expect(summaryStream({ reporters: ['verbose'] })).toBe('stdout');
    expect(summaryStream(undefined)).toBe('stdout');
  });

  it('stderr when a JSON, JUnit or TAP reporter writes to stdout', () => {
    expect(summaryStream({ reporters: [['json', {}]] })).toBe('stderr');
    expect(summaryStream({ reporters: [['default', {}], ['junit', {}]] })).toBe('stderr');
    expect(summaryStream({ reporters: ['tap-flat'] })).toBe('stderr');
  });

  it('stdout when that reporter writes to a file', () => {
    expect(summaryStream({ reporters: [['json', {}]], outputFile: 'report.json' })).toBe('stdout');
    expect(summaryStream({ reporters: [['json', {}]], outputFile: { json: 'report.json' } })).toBe('stdout');
    expect(summaryStream({ reporters: [['json', { outputFile: 'report.json' }]] })).toBe('stdout');
    expect(summaryStream({ reporters: [['json', {}]], outputFile: { junit: 'junit.xml' } })).toBe('stderr');
  });
});
