import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';

/** One row of a tree view: its text, its depth (1 at the top) and, when it can expand, whether it is. */
export interface TreeRow {
  text: string;
  level: number;
  expanded: boolean | undefined;
}

/** Drives the VS Code workbench in a page through its keyboard shortcuts and DOM. */
export class Workbench {
  private shot = 0;

  constructor(
    readonly page: Page,
    private readonly artifacts: string,
  ) {}

  /** Saves a numbered screenshot of the page (or of a region) in the artifacts directory and returns its path. */
  async screenshot(name: string, clip?: { x: number; y: number; width: number; height: number }): Promise<string> {
    const file = path.join(this.artifacts, `${String(++this.shot).padStart(2, '0')}-${name}.png`);
    fs.mkdirSync(this.artifacts, { recursive: true });
    await this.page.screenshot({ path: file, clip });
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

  /** Opens a workspace file by its name from the Explorer, expanding collapsed folders until the file shows. */
  async openFile(name: string): Promise<void> {
    const tree = this.page.locator('.explorer-folders-view');
    const file = tree.locator('.monaco-list-row', { hasText: name }).first();
    for (let i = 0; i < 10 && !(await file.isVisible()); i++) {
      const collapsed = tree.locator('.monaco-list-row[aria-expanded="false"]').first();
      if (!(await collapsed.isVisible())) break;
      await collapsed.click();
      await this.page.waitForTimeout(200);
    }
    await file.click();
    await this.page.locator('.tab.active', { hasText: name }).waitFor();
  }

  /** Moves the cursor of the active editor to a line. */
  async goToLine(line: number): Promise<void> {
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`:${line}`);
    await input.press('Enter');
    await this.page.locator('.part.statusbar', { hasText: `Ln ${line},` }).waitFor();
  }

  /** Selects a launch configuration in the Run and Debug view and starts it. */
  async startDebugging(configuration: string): Promise<void> {
    await this.command('View: Show Run and Debug');
    const select = this.page.locator('.start-debug-action-item select');
    await select.locator(`option[value="${configuration}"]`).waitFor({ state: 'attached', timeout: 60_000 });
    await select.selectOption(configuration);
    await this.page.locator('.start-debug-action-item .codicon-debug-start').click();
  }

  /** The pane of a view in the side bar, by its title (such as "Call Stack"). */
  pane(title: string): Locator {
    return this.page.locator('.pane', { has: this.page.locator('.pane-header', { hasText: new RegExp(`^\\s*${title}`, 'i') }) }).first();
  }

  /** The visible text of every row of a view's tree. */
  async rows(title: string): Promise<string[]> {
    return this.pane(title).locator('.monaco-list-row').allInnerTexts();
  }

  /** Every row of a view's tree with its depth and whether it is expanded, scrolling through it. */
  async allTreeRows(title: string): Promise<TreeRow[]> {
    const list = this.pane(title).locator('.monaco-list').first();
    await list.hover();
    await this.page.mouse.wheel(0, -100_000);
    await this.page.waitForTimeout(100);
    const seen = new Map<number, TreeRow>();
    let unchanged = 0;
    while (unchanged < 2) {
      const before = seen.size;
      for (const row of await list.locator('.monaco-list-row').all()) {
        const index = Number(await row.getAttribute('data-index'));
        if (seen.has(index)) continue;
        const [text, level, expanded] = await Promise.all([row.innerText(), row.getAttribute('aria-level'), row.getAttribute('aria-expanded')]);
        // A row that the tree is re-rendering has no aria-level yet: read it again on the next pass.
        if (level === null) continue;
        seen.set(index, { text: text.replace(/\s+/g, ' ').trim(), level: Number(level), expanded: expanded === null ? undefined : expanded === 'true' });
      }
      unchanged = seen.size === before ? unchanged + 1 : 0;
      await this.page.mouse.wheel(0, 120);
      await this.page.waitForTimeout(100);
    }
    return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row).filter((row) => row.level > 0);
  }

  /** Expands a side bar pane by its title when it is collapsed. */
  async expand(title: string): Promise<void> {
    const header = this.pane(title).locator('.pane-header').first();
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  }

  /** Collapses a side bar pane by its title when it is expanded. */
  async collapse(title: string): Promise<void> {
    const header = this.pane(title).locator('.pane-header').first();
    if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
  }

  /** Drags the side bar's edge to make it `width` pixels wide. */
  async widenSideBar(width: number): Promise<void> {
    const box = await this.page.locator('.part.sidebar').boundingBox();
    if (!box) return;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 5 });
    await this.page.mouse.up();
  }
}
