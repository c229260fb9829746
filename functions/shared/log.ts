/**
 * One JSON line per log event, the shape CloudWatch Logs Insights queries best. Callers pass
 * structured context; request bodies and headers are never logged, so tokens and personal data
 * stay out of the logs.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const threshold = ORDER[(process.env.LOG_LEVEL as Level | undefined) ?? 'info'] ?? ORDER.info;

function serializeError(error: unknown): unknown {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return error;
}

function write(level: Level, message: string, context: Record<string, unknown>): void {
  if (ORDER[level] < threshold) return;
  const entry: Record<string, unknown> = { level, message, time: new Date().toISOString() };
  for (const [key, value] of Object.entries(context)) entry[key] = key === 'error' ? serializeError(value) : value;
  const line = JSON.stringify(entry);
  if (level === 'error' || level === 'warn') console.error(line);
  else console.log(line);
}

export const log = {
  debug: (message: string, context: Record<string, unknown> = {}) => write('debug', message, context),
  info: (message: string, context: Record<string, unknown> = {}) => write('info', message, context),
  warn: (message: string, context: Record<string, unknown> = {}) => write('warn', message, context),
  error: (message: string, context: Record<string, unknown> = {}) => write('error', message, context),
};
