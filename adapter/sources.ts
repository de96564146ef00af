import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RefType } from '../jdwp/mirror';
import { outermostName, packageOf } from '../jdwp/mirror';

const SKIP_DIRS = new Set(['node_modules', 'out', 'build', 'target', 'bin', 'dist']);
const MAX_SCANNED_ENTRIES = 100_000;

/** The package declared by a Java source text, '' for the default package. */
export function packageOfSource(text: string): string {
  const stripped = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  const m = /^\s*(?:@[\w.]+(?:\([^)]*\))?\s*)*package\s+([\w.]+)\s*;/.exec(stripped);
  return m ? m[1] : '';
}

/** The class a source file declares at top level with its file name: `a/b/Foo.java` with `package a.b;` → `a.b.Foo`. */
export function primaryClassOfSource(file: string, text: string): string {
  const pkg = packageOfSource(text);
  const base = path.basename(file).replace(/\.java$/i, '');
  return pkg ? `${pkg}.${base}` : base;
}

/**
 * Finds the source file of a class: first the files the client set breakpoints in, then each
 * `sourcePaths` root by package path, then every .java file under the workspace folders whose
 * path ends with the package path and the class's SourceFile. Results are cached.
 */
export class SourceLocator {
  private readonly known = new Map<string, string>();
  private readonly cache = new Map<string, string | undefined>();
  private index?: Map<string, string[]>;

  constructor(
    private readonly sourcePaths: string[],
    private readonly workspaceFolders: string[],
  ) {}

  /** Remembers a source file the client named (e.g. in setBreakpoints) under its package path. */
  remember(file: string, pkg: string): void {
    this.known.set(relativeKey(pkg, path.basename(file)), file);
    this.cache.clear();
  }

  /** The path of a type's source, or undefined when none is found (or the class has no SourceFile). */
  locate(type: RefType): string | undefined {
    if (!type.sourceFile) return undefined;
    const key = relativeKey(packageOf(outermostName(type.name)), type.sourceFile);
    if (this.cache.has(key)) return this.cache.get(key);
    const found = this.find(key);
    this.cache.set(key, found);
    return found;
  }

  private find(key: string): string | undefined {
    const known = this.known.get(key);
    if (known) return known;
    for (const root of this.sourcePaths) {
      const candidate = path.join(root, key);
      if (fs.existsSync(candidate)) return candidate;
    }
    const candidates = this.workspaceIndex().get(path.basename(key)) ?? [];
    const suffix = path.sep + key.split('/').join(path.sep);
    return candidates.find((c) => c.endsWith(suffix) || c === key);
  }

  private workspaceIndex(): Map<string, string[]> {
    if (this.index) return this.index;
    const index = new Map<string, string[]>();
    let budget = MAX_SCANNED_ENTRIES;
    const walk = (dir: string): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (--budget < 0) return;
        if (e.isDirectory()) {
          if (!e.name.startsWith('.') && !SKIP_DIRS.has(e.name)) walk(path.join(dir, e.name));
        } else if (e.name.endsWith('.java')) {
          const list = index.get(e.name) ?? [];
          list.push(path.join(dir, e.name));
          index.set(e.name, list);
        }
      }
    };
    for (const folder of this.workspaceFolders) walk(folder);
    this.index = index;
    return index;
  }
}

function relativeKey(pkg: string, file: string): string {
  return pkg ? `${pkg.replace(/\./g, '/')}/${file}` : file;
}
