/**
 * Another kind of device measures differently (a watch's optical sensor is not
 * a tracker's), so staff see the change and the charts break there. Unknown on
 * either side is not a change: a sync that could not read the devices says
 * nothing about them.
 */
export function deviceTypeChange(
  before: string | null,
  after: string | null,
): { from: string; to: string } | null {
  return before !== null && after !== null && before !== after ? { from: before, to: after } : null;
}
