/**
 * The watchdog's log files: the session's `watchdog.log` and the state root's
 * `background-sweep.log`, which every run's background sweep appends to and nothing removed. A
 * record that stays refused added a line per run for ever; past `maxBytes` the file starts
 * again with one line that says so.
 */
import { lstatSync } from 'node:fs';
import { writePrivateFile } from '../private/file.cjs';

/** Big enough for thousands of lines of one run, small next to anything else on the disk. */
export const LOG_MAX_BYTES = 256 * 1024;

/** Appends one timestamped line to `file` (a private file), starting it again once it is over `maxBytes`. Never throws. */
export function appendLog(file: string, message: string, now = new Date(), maxBytes = LOG_MAX_BYTES): void {
  const line = `${now.toISOString()} ${message}\n`;
  try {
    let size = 0;
    try {
      size = lstatSync(file).size;
    } catch {
      // not there yet
    }
    if (size + line.length > maxBytes) writePrivateFile(file, `${now.toISOString()} (log started again: it was over ${maxBytes} bytes)\n${line}`, 'replace');
    else writePrivateFile(file, line, 'append');
  } catch {
    // nowhere to log
  }
}
