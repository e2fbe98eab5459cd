/**
 * What closing the session socket did (server.ts `close`), as the watchdog reports it to the
 * runner over their channel. Apart from the relay's code, so the runner loads no relay code for it.
 */

/** How long closing waits for the engine's answer to a create already sent to it. */
export const DEFAULT_IN_FLIGHT_MS = 2_000;

export interface CloseReport {
  /** Connections ended at once (idle, streaming, tunnelled, or a request that creates nothing). */
  readonly dropped: number;
  /** Create requests already sent to the engine that were waited for and answered. */
  readonly answered: number;
  /**
   * Create requests already sent that had no answer within the bound (or whose engine
   * connection ended without one): the engine may still complete them.
   */
  readonly cutOff: number;
  /** How long closing took, in ms. */
  readonly ms: number;
}

export const NOTHING_CLOSED: CloseReport = { dropped: 0, answered: 0, cutOff: 0, ms: 0 };
