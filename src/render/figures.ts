/** The symbols every summary line starts with (the seed's style). */
export const figures = {
  broom: '🧹',
  tick: '✓',
  cross: '✗',
  warning: '⚠',
  dash: '-',
} as const;

export type Figure = (typeof figures)[keyof typeof figures];
