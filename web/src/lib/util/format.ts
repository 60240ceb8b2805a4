/** Display helpers shared by the screens. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "3 s ago", "5 min ago", "2 h ago", else the date. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return '—';
  if (s < 60) return `${Math.max(0, s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return dateTime(iso);
}

export function score(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : v.toFixed(2);
}

export function fps(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${v.toFixed(v < 10 ? 1 : 0)} fps`;
}

/** Short form of a track id for labels ("stage-mx08vglv-15" → "#15"). */
export function shortTrack(trackId: string): string {
  return `#${trackId.split('-').pop() ?? trackId}`;
}

/** A datetime-local input value ("2024-05-01T10:30") → ISO, or null. */
export function localInputToIso(v: string): string | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
