// Durations as people choose them (a number and a unit) and as blocks store them ("2d",
// "1d12h", the server's Duration format). Pure: unit-tested in duration.test.ts.

export type DurationUnit = "m" | "h" | "d" | "w";
export const DURATION_UNITS: DurationUnit[] = ["m", "h", "d", "w"];
const MINUTES: Record<DurationUnit, number> = { m: 1, h: 60, d: 24 * 60, w: 7 * 24 * 60 };

/** "2d" -> {amount: 2, unit: "d"}; a mixed "1d12h" becomes its largest whole unit (36 h);
 * empty or unreadable text -> null amount (the form shows an empty number). */
export function durationSplit(text: string | undefined | null, fallbackUnit: DurationUnit = "d"): { amount: number | null; unit: DurationUnit } {
  const parts = [...(text ?? "").matchAll(/(\d+)([wdhm])/g)];
  if (!text || !parts.length || parts.map((p) => p[0]).join("") !== text) return { amount: null, unit: fallbackUnit };
  const minutes = parts.reduce((sum, [, n, u]) => sum + Number(n) * MINUTES[u as DurationUnit], 0);
  const unit = [...DURATION_UNITS].reverse().find((u) => minutes % MINUTES[u] === 0) ?? "m";
  return { amount: minutes / MINUTES[unit], unit };
}

/** {amount: 2, unit: "d"} -> "2d"; no amount -> undefined (the field is empty). */
export function durationJoin(amount: number | null, unit: DurationUnit): string | undefined {
  if (amount === null || !Number.isFinite(amount)) return undefined;
  return `${Math.max(0, Math.round(amount))}${unit}`;
}
