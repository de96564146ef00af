import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';

/** Drives the VS Code workbench in a page through its keyboard shortcuts and DOM. */
export class Workbench {
  private shot = 0;

  constructor(
    readonly page: Page,
    private readonly artifacts: string,
  ) {}

  /** Saves a numbered screenshot of the page in the artifacts directory and returns its path. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(this.artifacts, `${String(++this.shot).padStart(2, '0')}-${name}.png`);
    fs.mkdirSync(this.artifacts, { recursive: true });
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Waits until the workbench has restored its parts. */
  async ready(timeout = 90_000): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ timeout });
    await this.page.locator('.part.statusbar').waitFor({ timeout });
    await this.page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout });
  }

  /** Runs a command by its title through the command palette. */
  async command(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await input.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 }).catch(() => undefined);
  }

  /** Picks an entry of an open quick pick by its label. */
  async pick(label: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(label);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await input.press('Enter');
  }

  /** Opens a workspace file by its name through Quick Open. */
  async openFile(name: string): Promise<void> {
    await this.command('Go to File');
    await this.pick(name);
    await this.page.locator(`.tab.active[aria-label^="${name}"], .tab.active .label-name:text-is("${name}")`).first().waitFor({ timeout: 30_000 });
  }

  /** Moves the cursor of the active editor to a line. */
  async goToLine(line: number): Promise<void> {
    await this.command('Go to Line/Column');
    const input = this.page.locator('.quick-input-widget input');
    await input.fill(`:${line}`);
    await input.press('Enter');
  }

  /** The pane of a view in the side bar, by its title (such as "Call Stack"). */
  pane(title: string): Locator {
    return this.page.locator('.pane', { has: this.page.locator('.pane-header', { hasText: new RegExp(`^\\s*${title}`, 'i') }) }).first();
  }

  /** The visible text of every row of a view's tree. */
  async rows(title: string): Promise<string[]> {
    return this.pane(title).locator('.monaco-list-row').allInnerTexts();
  }
}
