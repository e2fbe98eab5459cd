/**
 * Neither Vitest nor Jest runs global teardown on SIGINT/SIGTERM/SIGHUP. These handlers run
 * first (prepended), clean synchronously, then leave: when no other listener is left the signal
 * is raised again, so the process still ends with 130/143/129 and the signal is never swallowed.
 *
 * The cleanup runs in a detached process (processes.ts), which a signal to the runner's group
 * does not reach: a second signal (a double Ctrl+C) never aborts it halfway. It ends the wait
 * instead, as the wait's bound does; the process then ends by the first signal and the cleanup
 * finishes in the background (the watchdog is the backstop).
 */
export const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function installSignalHandlers(cleanupSync: (signal: NodeJS.Signals) => void): () => void {
  let cleaning = false;
  const handler = (signal: NodeJS.Signals) => {
    if (cleaning) return; // a repeat: the cleanup already ran
    cleaning = true;
    try {
      cleanupSync(signal);
    } catch {
      // Cleanup must never keep the process from ending; the watchdog is the fallback.
    }
    uninstall();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const uninstall = () => {
    for (const signal of CLEANUP_SIGNALS) process.removeListener(signal, handler);
  };
  for (const signal of CLEANUP_SIGNALS) process.prependListener(signal, handler);
  return uninstall;
}
