/**
 * What the watchdog reaches the engine with (the sweeps, removal, adoption): loaded by
 * `main.ts` with `import()` once the session socket serves. The serve path is bundled into one
 * CommonJS file (scripts/bundle-watchdog.mjs); this module and everything it imports stay as
 * built, so the engine code is the library's own and loads only when the socket already serves.
 */
export { engineFor, sweepDeadSessions, sweptEverything } from '../session/sweep.js';
export { removeSessionObjects } from '../session/objects.js';
export { adoptionEnabled, selectAdopted } from '../session/adopt.js';
