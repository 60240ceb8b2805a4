/**
 * Debian's Chromium, headless, driven by playwright-core (no browser download: `npx playwright install` is never
 * run). The flags keep it off the network (no component updates, no background requests) and make its memory figures
 * precise for the performance test; a unique marker flag finds its process tree for the memory figure.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../../server/test/shared-fixtures.js';

export const CHROMIUM = process.env.BOOSTFACE_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts/web');

/** True when Chromium is installed; missing under CI=true is an error, elsewhere the suite is skipped. */
export function chromiumAvailable(suite: string): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  const reason = `${suite}: needs Chromium at ${CHROMIUM} (Debian package "chromium", or set BOOSTFACE_CHROMIUM)`;
  if (process.env.CI === 'true') throw new Error(reason);
  console.warn(`skipped ${reason}`);
  return false;
}

export interface E2eBrowser {
  browser: Browser;
  /** Marker on the browser process's command line (see processTreeMemory). */
  marker: string;
}

export async function launchBrowser(): Promise<E2eBrowser> {
  const marker = `--boostface-e2e=${randomUUID()}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless=new',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-domain-reliability',
      '--disable-client-side-phishing-detection',
      '--disable-sync',
      '--disable-extensions',
      '--no-first-run',
      '--no-default-browser-check',
      '--metrics-recording-only',
      '--no-pings',
      // performance.memory rounds to 10 MB buckets without this; gc() lets the test measure live heap only.
      '--enable-precise-memory-info',
      '--js-flags=--expose-gc',
      marker,
    ],
  });
  return { browser, marker };
}

/** A new browser context (its own localStorage: one operator) signed in through the login screen. */
export async function signIn(browser: Browser, url: string, token: string, o: { viewport?: { width: number; height: number }; path?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: o.viewport ?? { width: 1280, height: 720 }, baseURL: url });
  const page = await context.newPage();
  await page.goto(o.path ?? '/');
  await page.getByTestId('login-token').fill(token);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('me-role').waitFor();
  return { context, page };
}

/** test-artifacts/web/<flow>-<screen>.png: how the UI is reviewed. */
export async function screenshot(page: Page, flow: string, screen: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${flow}-${screen}.png`) });
}

/**
 * Memory (KiB) of the browser process started with `marker` and all its descendants (Linux /proc): the proportional
 * set size, which splits shared pages between the processes (a plain RSS sum counts them once per process).
 */
export function processTreeMemory(marker: string): number | null {
  const parents = new Map<number, number>();
  let root: number | null = null;
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may contain spaces, so split after its closing parenthesis.
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (root === null && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker)) root = pid;
    } catch {
      /* the process ended meanwhile */
    }
  }
  if (root === null) return null;
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  let kib = 0;
  for (const pid of tree) {
    try {
      const m = /^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (m) kib += Number(m[1]);
    } catch {
      /* ended */
    }
  }
  return kib;
}
