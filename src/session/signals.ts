/**
 * Neither Vitest nor Jest runs global teardown on SIGINT/SIGTERM/SIGHUP. These handlers run
 * first (prepended), clean synchronously, then leave: when no other listener is left the signal
 * is raised again, so the process still ends with 130/143/129 and the signal is never swallowed.
 */
export const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function installSignalHandlers(cleanupSync: (signal: NodeJS.Signals) => void): () => void {
  let ran = false;
  const handler = (signal: NodeJS.Signals) => {
    uninstall();
    if (!ran) {
      ran = true;
      try {
        cleanupSync(signal);
      } catch {
        // Cleanup must never keep the process from ending; the watchdog is the fallback.
      }
    }
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const uninstall = () => {
    for (const signal of CLEANUP_SIGNALS) process.removeListener(signal, handler);
  };
  for (const signal of CLEANUP_SIGNALS) process.prependListener(signal, handler);
  return uninstall;
}
