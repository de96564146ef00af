#!/usr/bin/env node
// Reads OpenJDK's machine-readable JDWP spec and emits jdwp/protocol/spec-table.ts (the structure of every
// command set, command, out/reply/event layout and constant set) and spec-types.ts (TypeScript types for them);
// reads our own jdwp/protocol/fabric.spec, in the same form, and emits fabric-table.ts and fabric-types.ts.
// Only names, numbers and wire kinds are carried over; descriptive text is dropped.
import { readFileSync, writeFileSync } from 'node:fs';

/** Maps the spec's field type words to the wire kinds used by the codec. */
const KIND_BY_SPEC_WORD = {
  byte: 'byte',
  int: 'int',
  long: 'long',
  boolean: 'boolean',
  string: 'string',
  object: 'objectID',
  threadObject: 'threadID',
  threadGroupObject: 'threadGroupID',
  stringObject: 'stringID',
  classLoaderObject: 'classLoaderID',
  classObject: 'classObjectID',
  arrayObject: 'arrayID',
  'tagged-object': 'taggedObjectID',
  referenceType: 'referenceTypeID',
  referenceTypeID: 'referenceTypeID',
  classType: 'classID',
  interfaceType: 'interfaceID',
  arrayType: 'arrayTypeID',
  method: 'methodID',
  field: 'fieldID',
  frame: 'frameID',
  moduleID: 'moduleID',
  location: 'location',
  value: 'value',
  'untagged-value': 'untaggedValue',
  'typed-sequence': 'arrayRegion',
};

/** Splits the spec into '(' ')' string and word tokens. Strings honour backslash escapes and end at a quote or at end of line, as in jdwpgen. */
export function tokenize(text) {
  const tokens = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ t: c });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      tokens.push({ t: 'str' });
      i = j < n && text[j] === '"' ? j + 1 : j;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      tokens.push({ t: 'word', v: text.slice(i, i + 3) });
      i += 3;
    } else {
      let j = i;
      while (j < n && !/[\s()"]/.test(text[j])) j++;
      tokens.push({ t: 'word', v: text.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

/** Builds nested lists from tokens; descriptive strings are dropped. */
export function toTree(tokens) {
  const stack = [[]];
  for (const tok of tokens) {
    if (tok.t === '(') stack.push([]);
    else if (tok.t === ')') {
      const list = stack.pop();
      if (!stack.length) throw new Error('unbalanced )');
      stack[stack.length - 1].push(list);
    } else if (tok.t === 'word') stack[stack.length - 1].push(tok.v);
  }
  if (stack.length !== 1) throw new Error('unbalanced (');
  return stack[0];
}

/** Splits "Name=value" that may be written as one, two or three words. */
function nameAndValue(words) {
  const joined = words.filter((w) => typeof w === 'string').join('');
  const eq = joined.indexOf('=');
  if (eq < 0) throw new Error(`expected Name=value in ${joined}`);
  return { name: joined.slice(0, eq), raw: joined.slice(eq + 1) };
}

function constantValue(raw, constants) {
  if (/^'.'$/.test(raw)) return raw.charCodeAt(1);
  if (/^0x[0-9a-f]+$/i.test(raw)) return parseInt(raw, 16);
  if (/^-?\d+$/.test(raw)) return parseInt(raw, 10);
  const m = /^JDWP\.(\w+)\.(\w+)$/.exec(raw);
  if (m) {
    const set = constants.find((s) => s.name === m[1]);
    const c = set && set.constants.find((k) => k.name === m[2]);
    if (!c) throw new Error(`unknown constant ${raw}`);
    return c.value;
  }
  throw new Error(`bad constant value ${raw}`);
}

function parseField(node, constants) {
  const [head, ...rest] = node;
  if (head === 'Repeat') {
    const items = rest.filter(Array.isArray);
    if (items.length !== 1) throw new Error(`Repeat ${rest[0]} must hold one item`);
    return { name: rest[0], kind: 'repeat', of: parseField(items[0], constants) };
  }
  if (head === 'Group') {
    return { name: rest[0], kind: 'group', fields: rest.filter(Array.isArray).map((f) => parseField(f, constants)) };
  }
  if (head === 'Select') {
    const lists = rest.filter(Array.isArray);
    const selector = parseField(lists[0], constants);
    const alts = lists.slice(1).map((alt) => {
      if (alt[0] !== 'Alt') throw new Error(`expected Alt in Select ${rest[0]}`);
      const { name, raw } = nameAndValue(leadingWords(alt));
      return { name, value: constantValue(raw, constants), fields: alt.filter(Array.isArray).map((f) => parseField(f, constants)) };
    });
    return { name: rest[0], kind: 'select', selector, alts };
  }
  const kind = KIND_BY_SPEC_WORD[head];
  if (!kind) throw new Error(`unknown field type ${head}`);
  return { name: rest[0], kind };
}

function leadingWords(node) {
  const words = [];
  for (let k = 1; k < node.length && typeof node[k] === 'string'; k++) words.push(node[k]);
  return words;
}

function parseCommand(node, constants) {
  const { name, raw } = nameAndValue(leadingWords(node));
  const cmd = { name, id: Number(raw), out: null, reply: null, event: null, errors: [] };
  for (const part of node.filter(Array.isArray)) {
    const fields = () => part.filter(Array.isArray).map((f) => parseField(f, constants));
    if (part[0] === 'Out') cmd.out = fields();
    else if (part[0] === 'Reply') cmd.reply = fields();
    else if (part[0] === 'Event') cmd.event = fields();
    else if (part[0] === 'ErrorSet') cmd.errors = part.filter(Array.isArray).map((e) => e[1]);
  }
  return cmd;
}

/** Parses the spec text into { commandSets, constantSets }. */
export function parseSpec(text) {
  const tree = toTree(tokenize(text));
  const constantSets = [];
  for (const node of tree) {
    if (Array.isArray(node) && node[0] === 'ConstantSet') {
      const set = { name: node[1], constants: [] };
      for (const c of node.filter(Array.isArray)) {
        const words = c.slice(1).filter((w) => typeof w === 'string');
        const { name, raw } = nameAndValue(words);
        set.constants.push({ name, value: constantValue(raw, constantSets.concat([set])) });
      }
      constantSets.push(set);
    }
  }
  const commandSets = [];
  for (const node of tree) {
    if (Array.isArray(node) && node[0] === 'CommandSet') {
      const { name, raw } = nameAndValue(leadingWords(node));
      commandSets.push({
        name,
        id: Number(raw),
        commands: node.filter((c) => Array.isArray(c) && c[0] === 'Command').map((c) => parseCommand(c, constantSets)),
      });
    }
  }
  return { commandSets, constantSets };
}

function emitField(f, indent) {
  const pad = ' '.repeat(indent);
  if (f.kind === 'repeat') return `${pad}{ name: '${f.name}', kind: 'repeat', of:\n${emitField(f.of, indent + 2)} }`;
  if (f.kind === 'group') return `${pad}{ name: '${f.name}', kind: 'group', fields: ${emitFields(f.fields, indent + 2)} }`;
  if (f.kind === 'select') {
    const alts = f.alts
      .map((a) => `${pad}  { name: '${a.name}', value: ${a.value}, fields: ${emitFields(a.fields, indent + 4)} }`)
      .join(',\n');
    return `${pad}{ name: '${f.name}', kind: 'select', selector: { name: '${f.selector.name}', kind: '${f.selector.kind}' }, alts: [\n${alts},\n${pad}] }`;
  }
  return `${pad}{ name: '${f.name}', kind: '${f.kind}' }`;
}

function emitFields(fields, indent) {
  if (!fields) return 'null';
  if (!fields.length) return '[]';
  return `[\n${fields.map((f) => emitField(f, indent)).join(',\n')},\n${' '.repeat(indent - 2)}]`;
}

/** What differs between the JDWP output and the Fabric output. */
export const JDWP_OUTPUT = { source: 'the JDWP specification', sets: 'COMMAND_SETS', what: 'JDWP', api: 'JdwpApi' };
/** The Fabric vendor set's output. */
export const FABRIC_OUTPUT = { source: 'jdwp/protocol/fabric.spec', sets: 'FABRIC_COMMAND_SETS', what: 'Fabric', api: 'FabricApi' };

/** Renders the parsed spec as the TypeScript table module. */
export function emitTable({ commandSets, constantSets }, output = JDWP_OUTPUT) {
  const out = [];
  out.push(`// Generated by scripts/gen-protocol.mjs from ${output.source}. Do not edit by hand.`);
  out.push("import type { CommandSetSpec } from './kinds';");
  out.push('');
  out.push(`/** Every ${output.what} command set, command and out/reply/event layout. */`);
  out.push(`export const ${output.sets}: readonly CommandSetSpec[] = [`);
  for (const set of commandSets) {
    out.push(`  { name: '${set.name}', id: ${set.id}, commands: [`);
    for (const c of set.commands) {
      out.push(`    { name: '${c.name}', id: ${c.id},`);
      out.push(`      out: ${emitFields(c.out, 8)},`);
      out.push(`      reply: ${emitFields(c.reply, 8)},`);
      if (c.event) out.push(`      event: ${emitFields(c.event, 8)},`);
      out.push(`      errors: [${c.errors.map((e) => `'${e}'`).join(', ')}] },`);
    }
    out.push('  ] },');
  }
  out.push('];');
  out.push('');
  if (!constantSets.length) return out.join('\n');
  out.push('/** Every JDWP constant set, by set name and constant name. */');
  out.push('export const CONSTANTS = {');
  for (const set of constantSets) {
    out.push(`  ${set.name}: {`);
    for (const c of set.constants) out.push(`    ${c.name}: ${c.value},`);
    out.push('  },');
  }
  out.push('} as const;');
  out.push('');
  return out.join('\n');
}

const RESERVED = new Set(['arguments', 'eval', 'class', 'interface', 'package', 'static', 'default', 'new', 'function']);

const TS_TYPE_BY_KIND = {
  byte: 'number',
  int: 'number',
  long: 'bigint',
  boolean: 'boolean',
  string: 'string',
  objectID: 'ObjectID',
  threadID: 'ThreadID',
  threadGroupID: 'ThreadGroupID',
  stringID: 'StringID',
  classLoaderID: 'ClassLoaderID',
  classObjectID: 'ClassObjectID',
  arrayID: 'ArrayID',
  moduleID: 'ModuleID',
  referenceTypeID: 'ReferenceTypeID',
  classID: 'ClassID',
  interfaceID: 'InterfaceID',
  arrayTypeID: 'ArrayTypeID',
  methodID: 'MethodID',
  fieldID: 'FieldID',
  frameID: 'FrameID',
  taggedObjectID: 'TaggedObjectID',
  location: 'Location',
  value: 'Value',
  untaggedValue: 'Value',
  arrayRegion: 'ArrayRegion',
};

function tsType(f, prefix, named) {
  if (f.kind === 'repeat') return `Array<${tsType(f.of, prefix, named)}>`;
  if (f.kind === 'group') return `{ ${f.fields.map((x) => `${x.name}: ${tsType(x, `${prefix}_${x.name}`, named)}`).join('; ')} }`;
  if (f.kind === 'select') {
    const base = `${prefix}_${f.name}`;
    const names = f.alts.map((a) => {
      const name = `${base}_${a.name}`;
      const body = [`${f.selector.name}: ${a.value}`, ...a.fields.map((x) => `${x.name}: ${tsType(x, `${name}_${x.name}`, named)}`)];
      named.push(`/** ${base.replace(/_/g, '.')} alternative ${a.name}. */\nexport interface ${name} { ${body.join('; ')} }`);
      return name;
    });
    named.push(`/** Every alternative of ${base.replace(/_/g, '.')}. */\nexport type ${base} = ${names.join(' | ')};`);
    return base;
  }
  const t = TS_TYPE_BY_KIND[f.kind];
  if (!t) throw new Error(`no TypeScript type for ${f.kind}`);
  return t;
}

/** Wraps a list of names into import lines of at most 120 characters. */
function importLines(names) {
  const lines = [];
  let line = ' ';
  for (const n of names) {
    if (line.length + n.length + 2 > 120) {
      lines.push(line);
      line = ' ';
    }
    line += ` ${n},`;
  }
  return [...lines, line];
}

/** Renders TypeScript types for every layout, and the typed API of the client. */
export function emitTypes({ commandSets }, output = JDWP_OUTPUT) {
  const named = [];
  const api = [];
  for (const set of commandSets) {
    const methods = [];
    for (const c of set.commands) {
      const base = `${set.name}_${c.name}`;
      for (const [part, fields] of [['Out', c.out], ['Reply', c.reply], ['Event', c.event]]) {
        if (!fields) continue;
        const props = fields.map((f) => `  ${f.name}: ${tsType(f, base, named)};`);
        named.push(`/** ${set.name}.${c.name} ${part.toLowerCase()} data. */\nexport interface ${base}_${part} {\n${props.join('\n')}\n}`);
      }
      if (c.out && c.reply) {
        const params = c.out.map((f) => `${RESERVED.has(f.name) ? `${f.name}_` : f.name}: ${tsType(f, base, [])}`).join(', ');
        methods.push(`    /** ${set.name}.${c.name} (${set.id}/${c.id}). */\n    ${c.name}(${params}): Promise<${base}_Reply>;`);
      }
    }
    if (methods.length) api.push(`  /** The ${set.name} command set (${set.id}). */\n  ${set.name}: {\n${methods.join('\n')}\n  };`);
  }
  const text = [...named, ...api].join('\n');
  const used = [...new Set(Object.values(TS_TYPE_BY_KIND))].filter((t) => /^[A-Z]/.test(t) && new RegExp(`\\b${t}\\b`).test(text)).sort();
  return [
    `// Generated by scripts/gen-protocol.mjs from ${output.source}. Do not edit by hand.`,
    'import type {',
    ...importLines(used),
    "} from './wire-types';",
    '',
    ...named.flatMap((n) => [n, '']),
    `/** Every ${output.what} command the debugger can send, typed from the table; out fields are the parameters, in order. */`,
    `export interface ${output.api} {`,
    ...api,
    '}',
    '',
  ].join('\n');
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const [specPath, outDir] = process.argv.slice(2);
  if (!specPath || !outDir) {
    console.error('usage: gen-protocol.mjs SPEC_PATH OUT_DIR   (writes spec-table.ts and spec-types.ts, and fabric-table.ts and fabric-types.ts from OUT_DIR/fabric.spec)');
    process.exit(2);
  }
  const spec = parseSpec(readFileSync(specPath, 'utf8'));
  writeFileSync(`${outDir}/spec-table.ts`, emitTable(spec));
  writeFileSync(`${outDir}/spec-types.ts`, emitTypes(spec));
  const fabric = parseSpec(readFileSync(`${outDir}/fabric.spec`, 'utf8'));
  writeFileSync(`${outDir}/fabric-table.ts`, emitTable(fabric, FABRIC_OUTPUT));
  writeFileSync(`${outDir}/fabric-types.ts`, emitTypes(fabric, FABRIC_OUTPUT));
}
