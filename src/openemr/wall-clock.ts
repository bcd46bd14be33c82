/**
 * OpenEMR keeps DATETIME columns in the clinic's local wall-clock time (PHP's
 * date() in the server's zone), so Vigil writes and reads them the same way.
 */
export function openEmrDateTime(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '00';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

/** The clinic's civil date of an instant, `YYYY-MM-DD`. */
export function openEmrDate(at: Date, timeZone: string): string {
  return openEmrDateTime(at, timeZone).slice(0, 10);
}

/** The instant of an OpenEMR wall-clock time (`YYYY-MM-DD HH:MM:SS`) in the clinic's zone. */
export function instantOfOpenEmrDateTime(value: string, timeZone: string): Date {
  const asUtc = new Date(`${value.replace(' ', 'T').slice(0, 19)}Z`);
  // The zone's offset at that moment, applied twice to settle across a DST change.
  let guess = asUtc.getTime();
  for (let i = 0; i < 2; i += 1) {
    const shown = new Date(`${openEmrDateTime(new Date(guess), timeZone).replace(' ', 'T')}Z`);
    guess += asUtc.getTime() - shown.getTime();
  }
  return new Date(guess);
}
