/**
 * The socket's own error answers, shaped like the daemon's (`{"message": ...}`), so every client
 * shows them as it shows an engine error: the Docker CLI prints "Error response from daemon:
 * docker-janitor session socket: ...". The connection is closed after them.
 */
const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export const MESSAGE_PREFIX = 'docker-janitor session socket: ';

export function errorResponse(status: number, message: string): Buffer {
  const body = JSON.stringify({ message: `${MESSAGE_PREFIX}${message}` });
  return Buffer.from(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
