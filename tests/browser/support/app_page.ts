import type { Page } from 'playwright-core';
import type { LocalCloudApp } from '../page/app.js';
import type { TestBrowser } from './chromium.js';

export interface AppPage {
  page: Page;
  /** Calls `window.localCloudApp[name](...args)` in the page and returns its (serializable) result. */
  call<K extends keyof LocalCloudApp>(name: K, ...args: Parameters<LocalCloudApp[K]>): Promise<Awaited<ReturnType<LocalCloudApp[K]>>>;
  /** Uncaught errors the page raised so far. */
  errors: string[];
}

/** Opens the bundled test app (tests/browser/page/app.ts) served at `siteUrl` and waits until it is ready. */
export async function openAppPage(browser: TestBrowser, siteUrl: string, beforeLoad?: (page: Page) => void): Promise<AppPage> {
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (err) => void errors.push(err.message));
  beforeLoad?.(page);
  await page.goto(siteUrl);
  await page.waitForFunction(() => window.localCloudApp !== undefined, undefined, { timeout: 15_000 });
  return {
    page,
    errors,
    call(name, ...args) {
      return page.evaluate(
        ([fn, fnArgs]) => {
          const app = window.localCloudApp as unknown as Record<string, (...a: unknown[]) => unknown>;
          return app[fn](...fnArgs);
        },
        [name, args] as [string, unknown[]],
      ) as never;
    },
  };
}
