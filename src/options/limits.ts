/** Upper bounds of durations: beyond them a value is a mistake (and overflows Node's timers). No zod here. */
export const MAX_TIMEOUT_MS = 24 * 3600 * 1000;
export const MAX_STOP_TIMEOUT_S = 3600;
export const MAX_OLDER_THAN_S = 100 * 365 * 86_400;
