/**
 * A duration for people, as coarse as a progress line needs: seconds under a minute and a half,
 * minutes under an hour and a half, then hours with one decimal. An unknown duration (null,
 * undefined, NaN or infinite, as an ETA before any progress) reads "?".
 */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "?";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
