// Container health check (the slim images have no curl): exit 0 when the server's GET /readyz answers 200.
// /readyz turns 503 while the server shuts down; nothing answers while the entrypoint is still fetching models.
const port = process.env.BOOSTFACE_PORT || '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
