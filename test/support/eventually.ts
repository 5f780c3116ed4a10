/**
 * Polls `probe` until it returns true; fails with `description` after `timeoutMs`. Tests wait for real
 * conditions this way and never assert on how long something took.
 */
export async function eventually(
  description: string,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
  pollMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
