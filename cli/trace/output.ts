/** Where a session writes: hits to `out` (stdout), notices, errors and the summary to `err` (stderr). */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

/** The process's stdout and stderr, one line per call. */
export const PROCESS_IO: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Writes hits as JSON lines (or log lines) and notices as text or, with --json, JSON lines. */
export class Output {
  constructor(
    private readonly io: Io,
    /** JSON notices and summary, and JSON hits even for log probes. */
    readonly json: boolean,
    /** "trace" or "script", the prefix of text notices. */
    private readonly command: string,
  ) {}

  /** One hit: its JSON object, or its log line when the probe has a template and output is not JSON. */
  hit(record: Record<string, unknown>, logLine?: string): void {
    this.io.out(logLine !== undefined && !this.json ? logLine : JSON.stringify(record));
  }

  /** A notice on stderr: a line of text, or `{"notice": text, ...fields}`. */
  notice(text: string, fields: Record<string, unknown> = {}): void {
    this.io.err(this.json ? JSON.stringify({ notice: text, ...fields }) : `jdwp-fabric ${this.command}: ${text}`);
  }

  /** An error on stderr: a line of text, or `{"error": text, ...fields}`. */
  error(text: string, fields: Record<string, unknown> = {}): void {
    this.io.err(this.json ? JSON.stringify({ error: text, ...fields }) : `jdwp-fabric ${this.command}: ${text}`);
  }

  /** Lines of text, or one JSON object, on stderr. */
  block(lines: string[], object: Record<string, unknown>): void {
    if (this.json) this.io.err(JSON.stringify(object));
    else for (const line of lines) this.io.err(line);
  }
}
