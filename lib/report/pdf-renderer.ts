/**
 * HTML → PDF with one warm Chromium and a bounded pool of pages. The HTML carries client data
 * (ledger memos), so pages run without JavaScript and with every network request aborted: a
 * hostile memo can neither execute nor phone home. A crashed browser is replaced on the next render.
 * A render's `signal` takes it out of the queue for a page, or closes its page mid-render; it then rejects with
 * the signal's reason and returns no PDF.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, type Browser, type HTTPRequest, type Page, type PDFOptions } from 'puppeteer';

export interface PdfRendererOptions {
  executablePath: string;
  /** Upper bound on concurrent renders (= open pages); further renders wait for a free page. */
  maxPages: number;
}

export interface RenderOptions {
  signal?: AbortSignal;
}

export interface PdfRendererStats {
  activeRenders: number;
  peakActiveRenders: number;
  browserLaunches: number;
}

/** Headless Chromium as root in a container, with no calls home (the network is closed here and in production). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

const FOOTER_TEMPLATE = `<div style="width:100%;text-align:center;font-size:8pt;color:#57606a;font-family:'Noto Sans CJK KR',sans-serif;"><span class="pageNumber"></span> / <span class="totalPages"></span></div>`;

const PDF_OPTIONS: PDFOptions = {
  format: 'A4',
  printBackground: true,
  displayHeaderFooter: true,
  // An empty header: Chromium's default one prints the page title and date.
  headerTemplate: '<span></span>',
  footerTemplate: FOOTER_TEMPLATE,
  margin: { top: '16mm', bottom: '18mm', left: '15mm', right: '15mm' },
};

export class PdfRenderer {
  private browser: Browser | undefined;
  private userDataDir: string | undefined;
  private launching: Promise<Browser> | undefined;
  private idlePages: Page[] = [];
  private readonly waiters: (() => void)[] = [];
  private active = 0;
  private peak = 0;
  private launches = 0;
  private closed = false;

  private constructor(private readonly opts: PdfRendererOptions) {}

  static async launch(opts: PdfRendererOptions): Promise<PdfRenderer> {
    if (!Number.isInteger(opts.maxPages) || opts.maxPages < 1) {
      throw new RangeError(`maxPages must be a positive integer, got ${opts.maxPages}`);
    }
    const renderer = new PdfRenderer(opts);
    await renderer.liveBrowser();
    return renderer;
  }

  async render(html: string, { signal }: RenderOptions = {}): Promise<Buffer> {
    signal?.throwIfAborted();
    await this.acquireSlot(signal);
    try {
      const browser = await this.liveBrowser();
      try {
        return await this.renderOn(browser, html, signal);
      } catch (err) {
        if (this.closed || browser.connected || signal?.aborted) throw err;
        // Chromium died under this render (crash, OOM kill): one more try on a fresh browser.
        return await this.renderOn(await this.liveBrowser(), html, signal);
      }
    } finally {
      this.releaseSlot();
    }
  }

  get stats(): PdfRendererStats {
    return { activeRenders: this.active, peakActiveRenders: this.peak, browserLaunches: this.launches };
  }

  /** Process id of the current Chromium, for supervision and crash tests. */
  get browserPid(): number | undefined {
    return this.browser?.process()?.pid;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.launching?.catch(() => undefined);
    await this.discardBrowser();
  }

  private async renderOn(browser: Browser, html: string, signal: AbortSignal | undefined): Promise<Buffer> {
    const page = this.takeIdlePage(browser) ?? (await openLockedDownPage(browser));
    // Closing the page makes Chromium drop the load or the print, and puppeteer reject what awaits them.
    const closePage = () => void page.close().catch(() => undefined);
    signal?.addEventListener('abort', closePage, { once: true });
    try {
      signal?.throwIfAborted();
      await page.setContent(html, { waitUntil: 'load' });
      const pdf = await page.pdf(PDF_OPTIONS);
      // A PDF finished as the abort came: the page is closing, and the caller asked for nothing.
      signal?.throwIfAborted();
      this.idlePages.push(page);
      return Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
    } catch (err) {
      // A page that failed may be wedged: never hand it to the next render.
      await page.close().catch(() => undefined);
      throw signal?.aborted ? signal.reason : err;
    } finally {
      signal?.removeEventListener('abort', closePage);
    }
  }

  private takeIdlePage(browser: Browser): Page | undefined {
    this.idlePages = this.idlePages.filter((p) => !p.isClosed() && p.browser() === browser);
    return this.idlePages.pop();
  }

  private async liveBrowser(): Promise<Browser> {
    if (this.closed) throw new Error('PdfRenderer is closed');
    if (this.browser?.connected) return this.browser;
    // Concurrent renders that find the browser gone share one relaunch.
    this.launching ??= this.launchBrowser().finally(() => {
      this.launching = undefined;
    });
    return this.launching;
  }

  private async launchBrowser(): Promise<Browser> {
    await this.discardBrowser();
    const userDataDir = await mkdtemp(join(tmpdir(), 'pdf-renderer-'));
    try {
      const browser = await launch({
        executablePath: this.opts.executablePath,
        headless: true,
        pipe: true,
        args: CHROMIUM_ARGS,
        userDataDir,
        // Shutdown belongs to the worker process, not to a library.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
      this.browser = browser;
      this.userDataDir = userDataDir;
      this.launches += 1;
      return browser;
    } catch (err) {
      await rm(userDataDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Closes (or, if it is already disconnected, kills) the current browser and removes its profile. */
  private async discardBrowser(): Promise<void> {
    const { browser, userDataDir } = this;
    this.browser = undefined;
    this.userDataDir = undefined;
    this.idlePages = [];
    if (browser?.connected) await browser.close().catch(() => undefined);
    else if (browser) killProcessGroup(browser);
    // Helpers of a crashed browser may still be exiting and writing: retry, and never fail a render over a temp dir.
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch(() => undefined);
  }

  private async acquireSlot(signal: AbortSignal | undefined): Promise<void> {
    if (this.active < this.opts.maxPages) {
      this.active += 1;
      this.peak = Math.max(this.peak, this.active);
      return;
    }
    // releaseSlot hands its slot straight to us, so `active` never exceeds maxPages. An abort while waiting takes
    // us out of the queue: no slot was handed to us, so there is none to give back.
    await new Promise<void>((resolve, reject) => {
      const leave = () => {
        const at = this.waiters.indexOf(handOver);
        if (at === -1) return; // handed a slot already; the render sees the abort next
        this.waiters.splice(at, 1);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the abort's own reason (typed `any`), as throwIfAborted throws it elsewhere in this file
        reject(signal!.reason);
      };
      const handOver = () => {
        signal?.removeEventListener('abort', leave);
        resolve();
      };
      this.waiters.push(handOver);
      signal?.addEventListener('abort', leave, { once: true });
    });
  }

  private releaseSlot(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active -= 1;
  }
}

/**
 * When the main Chromium process dies, its renderer and utility processes can outlive it. Puppeteer
 * starts Chromium as the leader of its own process group, so the group id reaches them all.
 */
function killProcessGroup(browser: Browser): void {
  const child = browser.process();
  if (child?.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL'); // no such group (already gone, or not detached): the leader at least
  }
}

async function openLockedDownPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.setJavaScriptEnabled(false);
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    // Settling fails only when the page is already gone, and then the request is gone too.
    const settled = isInitialDocument(request) ? request.continue() : request.abort('blockedbyclient');
    settled.catch(() => undefined);
  });
  return page;
}

/** setContent writes into the page's initial about:blank document; nothing else may load. */
function isInitialDocument(request: HTTPRequest): boolean {
  const url = request.url();
  return request.isNavigationRequest() && (url === 'about:blank' || url.startsWith('data:'));
}
