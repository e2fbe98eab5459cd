import { expect, it } from 'vitest';
import * as names from '../../../src/session/names.js';
import * as tracking from '../../../src/session/tracking.cjs';

it('the ESM names are the CommonJS tracking module\'s', () => {
  for (const [key, value] of Object.entries(names)) expect((tracking as Record<string, unknown>)[key], key).toBe(value);
});
