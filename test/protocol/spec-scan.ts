// An independent reader of the JDWP spec for the completeness test. It shares no code with
// scripts/gen-protocol.mjs on purpose: a bug in the generator must not hide itself here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../support/fixtures';

/** A parenthesised form of the spec: its head word and its items (words and nested forms); prose is dropped. */
export interface Form {
  head: string;
  /** Words between the head and the first prose string or nested form. */
  lead: string[];
  children: Form[];
  line: number;
}

/** The spec's path: $JDWP_SPEC, else ../shared/reference/jdwp.spec beside the project root. */
export function specPath(): string {
  return process.env.JDWP_SPEC ?? path.resolve(ROOT, '..', 'shared', 'reference', 'jdwp.spec');
}

/** Parses the spec text into its top-level forms with a character-level recursive descent. */
export function scanForms(text: string): Form[] {
  let i = 0;
  let line = 1;
  const skipBlank = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        line++;
        i++;
      } else if (c === 32 || c === 9 || c === 13) i++;
      else if (text.startsWith('/*', i)) {
        const close = text.indexOf('*/', i + 2);
        const stop = close < 0 ? text.length : close + 2;
        for (let k = i; k < stop; k++) if (text.charCodeAt(k) === 10) line++;
        i = stop;
      } else if (text.startsWith('//', i)) {
        while (i < text.length && text[i] !== '\n') i++;
      } else return;
    }
  };
  // Prose ends at its closing quote or, like the JDK's own spec compiler, at the end of its line.
  const skipProse = (): void => {
    i++;
    while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
    if (text[i] === '"') i++;
  };
  const word = (): string => {
    if (text[i] === "'" && text[i + 2] === "'") {
      i += 3;
      return text.slice(i - 3, i);
    }
    const start = i;
    while (i < text.length && !/[\s()"]/.test(text[i])) i++;
    return text.slice(start, i);
  };
  const form = (): Form => {
    const f: Form = { head: '', lead: [], children: [], line };
    i++;
    skipBlank();
    f.head = word();
    let leading = true;
    for (;;) {
      skipBlank();
      if (i >= text.length) throw new Error(`spec: form ${f.head} at line ${f.line} is not closed`);
      const c = text[i];
      if (c === ')') {
        i++;
        return f;
      }
      if (c === '(') {
        leading = false;
        f.children.push(form());
      } else if (c === '"') {
        leading = false;
        skipProse();
      } else {
        const w = word();
        if (leading) f.lead.push(w);
      }
    }
  };
  const top: Form[] = [];
  for (;;) {
    skipBlank();
    if (i >= text.length) return top;
    if (text[i] === '(') top.push(form());
    else if (text[i] === '"') skipProse();
    else if (text[i] === ')') throw new Error(`spec: stray ) at line ${line}`);
    else word();
  }
}

/** A field as the spec declares it, with the codec's wire kind. */
export interface SpecField {
  name: string;
  kind: string;
  of?: SpecField;
  fields?: SpecField[];
  selector?: SpecField;
  alts?: { name: string; value: number; fields: SpecField[] }[];
}

/** A command as the spec declares it. */
export interface SpecCommand {
  name: string;
  id: number;
  out: SpecField[] | null;
  reply: SpecField[] | null;
  event: SpecField[] | null;
  errors: string[];
}

/** The spec's command sets and constant sets. */
export interface ScannedSpec {
  sets: { name: string; id: number; commands: SpecCommand[] }[];
  constants: Map<string, Map<string, number>>;
}

/** The codec's wire kind for each field word of the spec. */
const WIRE_KINDS: Record<string, string[]> = {
  byte: ['byte'],
  int: ['int'],
  long: ['long'],
  boolean: ['boolean'],
  string: ['string'],
  objectID: ['object'],
  threadID: ['threadObject'],
  threadGroupID: ['threadGroupObject'],
  stringID: ['stringObject'],
  classLoaderID: ['classLoaderObject'],
  classObjectID: ['classObject'],
  arrayID: ['arrayObject'],
  moduleID: ['moduleID'],
  taggedObjectID: ['tagged-object'],
  referenceTypeID: ['referenceType', 'referenceTypeID'],
  classID: ['classType'],
  interfaceID: ['interfaceType'],
  arrayTypeID: ['arrayType'],
  methodID: ['method'],
  fieldID: ['field'],
  frameID: ['frame'],
  location: ['location'],
  value: ['value'],
  untaggedValue: ['untagged-value'],
  arrayRegion: ['typed-sequence'],
};

const KIND_OF_WORD = new Map(Object.entries(WIRE_KINDS).flatMap(([kind, words]) => words.map((w) => [w, kind] as const)));

/** Splits the lead words "Name=value" / "Name =value" / "Name = value" into name and value text. */
function assignment(f: Form): [string, string] {
  const text = f.lead.join(' ');
  const m = /^(\w+)\s*=\s*(\S+)$/.exec(text);
  if (!m) throw new Error(`spec line ${f.line}: expected Name=value after ${f.head}, got "${text}"`);
  return [m[1], m[2]];
}

function numberOf(text: string, constants: Map<string, Map<string, number>>, at: number): number {
  if (text.length === 3 && text[0] === "'" && text[2] === "'") return text.charCodeAt(1);
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^-?[0-9]+$/.test(text)) return Number(text);
  const ref = text.split('.');
  if (ref.length === 3 && ref[0] === 'JDWP') {
    const v = constants.get(ref[1])?.get(ref[2]);
    if (v !== undefined) return v;
  }
  throw new Error(`spec line ${at}: cannot read the value ${text}`);
}

function fieldOf(f: Form, constants: Map<string, Map<string, number>>): SpecField {
  const name = f.lead[0];
  if (!name) throw new Error(`spec line ${f.line}: ${f.head} without a name`);
  switch (f.head) {
    case 'Repeat':
      if (f.children.length !== 1) throw new Error(`spec line ${f.line}: Repeat ${name} holds ${f.children.length} forms`);
      return { name, kind: 'repeat', of: fieldOf(f.children[0], constants) };
    case 'Group':
      return { name, kind: 'group', fields: f.children.map((c) => fieldOf(c, constants)) };
    case 'Select': {
      const [sel, ...alts] = f.children;
      return {
        name,
        kind: 'select',
        selector: fieldOf(sel, constants),
        alts: alts.map((a) => {
          if (a.head !== 'Alt') throw new Error(`spec line ${a.line}: ${a.head} inside Select ${name}`);
          const [altName, value] = assignment(a);
          return { name: altName, value: numberOf(value, constants, a.line), fields: a.children.map((c) => fieldOf(c, constants)) };
        }),
      };
    }
    default: {
      const kind = KIND_OF_WORD.get(f.head);
      if (!kind) throw new Error(`spec line ${f.line}: unknown field word ${f.head}`);
      return { name, kind };
    }
  }
}

/** Reads the spec file into command sets (with wire kinds) and constant sets. */
export function scanSpec(text: string): ScannedSpec {
  const forms = scanForms(text);
  const constants = new Map<string, Map<string, number>>();
  for (const f of forms.filter((x) => x.head === 'ConstantSet')) {
    const set = new Map<string, number>();
    constants.set(f.lead[0], set);
    for (const c of f.children) {
      const [name, value] = assignment(c);
      set.set(name, numberOf(value, constants, c.line));
    }
  }
  const sets = forms
    .filter((x) => x.head === 'CommandSet')
    .map((s) => {
      const [name, id] = assignment(s);
      return {
        name,
        id: Number(id),
        commands: s.children.map((c): SpecCommand => {
          if (c.head !== 'Command') throw new Error(`spec line ${c.line}: ${c.head} inside CommandSet ${name}`);
          const [cname, cid] = assignment(c);
          const part = (head: string): SpecField[] | null => {
            const p = c.children.find((x) => x.head === head);
            return p ? p.children.map((x) => fieldOf(x, constants)) : null;
          };
          const errorSet = c.children.find((x) => x.head === 'ErrorSet');
          return {
            name: cname,
            id: Number(cid),
            out: part('Out'),
            reply: part('Reply'),
            event: part('Event'),
            errors: errorSet ? errorSet.children.map((e) => e.lead[0]) : [],
          };
        }),
      };
    });
  return { sets, constants };
}

/** Reads and scans the spec, or returns null when the file is absent. */
export function loadSpec(): { path: string; text: string; spec: ScannedSpec } | null {
  const p = specPath();
  if (!fs.existsSync(p)) return null;
  const text = fs.readFileSync(p, 'utf8');
  return { path: p, text, spec: scanSpec(text) };
}
