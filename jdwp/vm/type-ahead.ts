import type { WireRecord } from '../codec/layout';
import { DEFAULT_ID_SIZES, type ReferenceTypeID } from '../protocol/wire-types';
import { commandByName, type CommandInfo } from '../registry';
import type { NodeLink } from './node-link';
import type { MethodRow } from './symbols';

const SIGNATURE_WITH_GENERIC = commandByName('ReferenceType.SignatureWithGeneric');
const SOURCE_FILE = commandByName('ReferenceType.SourceFile');
const SOURCE_DEBUG_EXTENSION = commandByName('ReferenceType.SourceDebugExtension');
const METHODS_WITH_GENERIC = commandByName('ReferenceType.MethodsWithGeneric');
const FIELDS_WITH_GENERIC = commandByName('ReferenceType.FieldsWithGeneric');
const LINE_TABLE = commandByName('Method.LineTable');
const VARIABLE_TABLE_WITH_GENERIC = commandByName('Method.VariableTableWithGeneric');

/** Types with more methods than this get no line or variable tables ahead (a JDK class may have hundreds). */
export const METHOD_TABLES_LIMIT = 64;

/** A field row as ReferenceType.Fields (and FieldsWithGeneric) give it. */
export interface FieldRow {
  fieldID: bigint;
  name: string;
  signature: string;
  modBits: number;
}

/** Where the immutable replies fetched ahead go, keyed as the route rule's reply cache is. */
export interface ReplySink {
  /** The cache key of a command's virtual out data about a type. */
  key(vtypeId: bigint, info: CommandInfo, data: Buffer): string;
  /** Keeps a virtual reply, unless the type changed (was redefined) since the flight left. */
  keep(key: string, reply: Buffer): void;
  /** Keeps an error the node answered, if it is fixed per symbol (ABSENT_INFORMATION, NATIVE_METHOD). */
  keepError(key: string, errorCode: number): void;
}

/** A node's answer: its reply data, or its JDWP error (no source file, a native method's tables). */
interface Answer {
  data?: Buffer;
  errorCode?: number;
}

/** How the type's IDs read once it is interned: its virtual ID and its members' virtual IDs. */
export interface VirtualIds {
  vid: bigint;
  method(raw: bigint): bigint | undefined;
  field(raw: bigint): bigint | undefined;
}

/** A node's raw answer; nothing when the link failed. */
function rawReply(node: NodeLink, info: CommandInfo, out: object): Promise<Answer> {
  return node.client.send(info, out as WireRecord).then(
    (r) => (r.errorCode === 0 ? { data: r.data } : { errorCode: r.errorCode }),
    () => ({}),
  );
}

function decode<T>(node: NodeLink, info: CommandInfo, data: Buffer): T {
  return info.reply!.decode(data, 0, data.length, node.client.sizes) as T;
}

function idBytes(...ids: bigint[]): Buffer {
  const b = Buffer.allocUnsafe(8 * ids.length);
  ids.forEach((id, i) => b.writeBigUInt64BE(id, 8 * i));
  return b;
}

/**
 * What the proxy asks, in one flight, of a type it meets without its signature (a frame's location, an object's
 * type): its signature, source file, methods and fields, with generics, as a debugger that meets the type asks next;
 * with its source debug extension; then, as soon as the methods are known, every method's line and variable tables. The replies are kept as the
 * debugger's would be, so its questions about the type are answered without crossing the link.
 */
export class TypeAhead {
  private readonly signatureReply: Promise<Answer>;
  private readonly sourceFile: Promise<Answer>;
  private readonly sourceDebugExtension: Promise<Answer>;
  private readonly methodsReply: Promise<Answer>;
  private readonly fieldsReply: Promise<Answer>;
  private readonly tables: Promise<Array<{ methodID: bigint; lines: Answer; variables: Answer }>>;
  /** The type's signature. */
  readonly signature: Promise<string>;
  /** Its declared methods, or undefined when the node refused (a class not yet prepared). */
  readonly methods: Promise<MethodRow[] | undefined>;
  /** Its declared fields, likewise. */
  readonly fields: Promise<FieldRow[] | undefined>;

  constructor(
    private readonly node: NodeLink,
    raw: bigint,
  ) {
    const refType = raw as ReferenceTypeID;
    this.signatureReply = rawReply(node, SIGNATURE_WITH_GENERIC, { refType });
    this.sourceFile = rawReply(node, SOURCE_FILE, { refType });
    this.sourceDebugExtension = rawReply(node, SOURCE_DEBUG_EXTENSION, { refType });
    this.methodsReply = rawReply(node, METHODS_WITH_GENERIC, { refType });
    this.fieldsReply = rawReply(node, FIELDS_WITH_GENERIC, { refType });
    this.signature = this.signatureReply.then(({ data: d }) =>
      d ? decode<{ signature: string }>(node, SIGNATURE_WITH_GENERIC, d).signature : node.client.ReferenceType.Signature(refType).then((r) => r.signature),
    );
    this.methods = this.methodsReply.then(({ data: d }) => (d ? decode<{ declared: MethodRow[] }>(node, METHODS_WITH_GENERIC, d).declared : undefined));
    this.fields = this.fieldsReply.then(({ data: d }) => (d ? decode<{ declared: FieldRow[] }>(node, FIELDS_WITH_GENERIC, d).declared : undefined));
    this.tables = this.methods.then((rows) =>
      !rows || rows.length > METHOD_TABLES_LIMIT
        ? []
        : Promise.all(
            rows.map(async (m) => {
              const [lines, variables] = await Promise.all([
                rawReply(node, LINE_TABLE, { refType, methodID: m.methodID }),
                rawReply(node, VARIABLE_TABLE_WITH_GENERIC, { refType, methodID: m.methodID }),
              ]);
              return { methodID: m.methodID, lines, variables };
            }),
          ),
    );
    // Nothing may wait on these (fetchAhead does not need the signature): a node that fails them fails nothing else.
    this.signature.catch(() => undefined);
    this.tables.catch(() => undefined);
  }

  /** Keeps every reply as the debugger would get it, once the type's virtual IDs are known. */
  async keepReplies(ids: VirtualIds, sink: ReplySink): Promise<void> {
    const type = idBytes(ids.vid);
    const keep = (info: CommandInfo, data: Buffer, answer: Answer) => {
      const key = sink.key(ids.vid, info, data);
      if (answer.data) sink.keep(key, answer.data);
      else if (answer.errorCode !== undefined) sink.keepError(key, answer.errorCode);
    };
    // Signatures, source files, line and variable tables carry no IDs: the node's reply is the virtual one.
    keep(SIGNATURE_WITH_GENERIC, type, await this.signatureReply);
    keep(SOURCE_FILE, type, await this.sourceFile);
    keep(SOURCE_DEBUG_EXTENSION, type, await this.sourceDebugExtension);
    keep(METHODS_WITH_GENERIC, type, { data: this.withVirtualIds(METHODS_WITH_GENERIC, (await this.methodsReply).data, 'methodID', ids.method) });
    keep(FIELDS_WITH_GENERIC, type, { data: this.withVirtualIds(FIELDS_WITH_GENERIC, (await this.fieldsReply).data, 'fieldID', ids.field) });
    for (const t of await this.tables.catch(() => [])) {
      const method = ids.method(t.methodID);
      if (method === undefined) continue;
      keep(LINE_TABLE, idBytes(ids.vid, method), t.lines);
      keep(VARIABLE_TABLE_WITH_GENERIC, idBytes(ids.vid, method), t.variables);
    }
  }

  /** A members reply re-encoded with virtual IDs; undefined if one of its members has none. */
  private withVirtualIds(info: CommandInfo, data: Buffer | undefined, idField: 'methodID' | 'fieldID', toVirtual: (raw: bigint) => bigint | undefined): Buffer | undefined {
    if (!data) return undefined;
    const rec = decode<{ declared: Array<Record<string, unknown>> }>(this.node, info, data);
    for (const row of rec.declared) {
      const v = toVirtual(row[idField] as bigint);
      if (v === undefined) return undefined;
      row[idField] = v;
    }
    return info.reply!.encode(DEFAULT_ID_SIZES, rec as unknown as WireRecord);
  }
}
