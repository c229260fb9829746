import { arch, cpus, platform, release } from 'node:os';
/** Small helpers for the bench's numbers and Markdown tables (readable in a terminal and in a file). */

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile: the smallest sample with at least p% of samples at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
export const ms = (value: number, digits = 1): string => (Number.isFinite(value) ? `${value.toFixed(digits)} ms` : 'n/a');

export type Align = 'left' | 'right';

/** A Markdown table with padded columns; `align` defaults to left for the first column, right for the rest. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], align?: readonly Align[]): string {
  const aligns = headers.map((_, i) => align?.[i] ?? (i === 0 ? 'left' : 'right'));
  const widths = headers.map((header, i) => Math.max(header.length, 3, ...rows.map((row) => (row[i] ?? '').length)));
  const pad = (text: string, i: number) => (aligns[i] === 'right' ? text.padStart(widths[i] as number) : text.padEnd(widths[i] as number));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => pad(cell.replaceAll('|', '\\|'), i)).join(' | ')} |`;
  const rule = `| ${widths.map((width, i) => (aligns[i] === 'right' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** Round trips in order (→), concurrent requests within one (‖). */
export function formatRounds(rounds: readonly (readonly string[])[]): string {
  return rounds.map((round) => round.join(' ‖ ')).join(' → ');
}

/** The rows every results file opens its Environment table with: when, and on what machine. */
export function machineRows(): string[][] {
  const cpuList = cpus();
  return [
    ['date', new Date().toISOString()],
    ['node', process.version],
    ['os', `${platform()} ${release()} ${arch()}`],
    ['cpus', `${cpuList.length} x ${cpuList[0]?.model.trim() ?? 'unknown'}`],
  ];
}
