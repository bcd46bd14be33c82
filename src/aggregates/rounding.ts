/** Stored figures are rounded so float noise (0.30000000000000004) never reaches rules or charts. */
export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
