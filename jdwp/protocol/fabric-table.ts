import type { CommandSetSpec, Field } from './kinds';
import type { ReferenceTypeID, ThreadGroupID } from './wire-types';

/** The vendor command set number of the Fabric set (JDWP leaves 128-255 to vendors). */
export const FABRIC_SET_ID = 128;

const versionsField: Field = {
  name: 'versions',
  kind: 'repeat',
  of: {
    name: 'Version',
    kind: 'group',
    fields: [
      { name: 'typeID', kind: 'referenceTypeID' },
      { name: 'symbolHash', kind: 'string' },
      { name: 'nodes', kind: 'repeat', of: { name: 'node', kind: 'string' } },
    ],
  },
};

/** The Fabric command set: cluster facts that only the virtual VM knows, for our adapter and CLI. */
export const FABRIC_COMMAND_SET: CommandSetSpec = {
  name: 'Fabric',
  id: FABRIC_SET_ID,
  commands: [
    {
      name: 'Nodes',
      id: 1,
      out: [],
      reply: [
        {
          name: 'nodes',
          kind: 'repeat',
          of: {
            name: 'Node',
            kind: 'group',
            fields: [
              { name: 'slot', kind: 'int' },
              { name: 'name', kind: 'string' },
              { name: 'address', kind: 'string' },
              { name: 'vmVersion', kind: 'string' },
              { name: 'state', kind: 'string' },
              { name: 'threadCount', kind: 'int' },
              { name: 'group', kind: 'threadGroupID' },
            ],
          },
        },
      ],
      errors: ['NOT_IMPLEMENTED'],
    },
    {
      name: 'SymbolInfo',
      id: 2,
      out: [{ name: 'refType', kind: 'referenceTypeID' }],
      reply: [{ name: 'signature', kind: 'string' }, { name: 'symbolHash', kind: 'string' }, versionsField],
      errors: ['INVALID_CLASS'],
    },
    {
      name: 'SetBreakpointBySymbol',
      id: 3,
      out: [
        { name: 'signature', kind: 'string' },
        { name: 'symbolHash', kind: 'string' },
        { name: 'methodName', kind: 'string' },
        { name: 'line', kind: 'int' },
        { name: 'suspendPolicy', kind: 'byte' },
      ],
      reply: [
        { name: 'requestID', kind: 'int' },
        { name: 'boundNodes', kind: 'int' },
        { name: 'totalNodes', kind: 'int' },
      ],
      errors: ['INVALID_LOCATION', 'NOT_FOUND'],
    },
    {
      name: 'HeapPools',
      id: 4,
      out: [{ name: 'topN', kind: 'int' }],
      reply: [
        {
          name: 'pools',
          kind: 'repeat',
          of: {
            name: 'Pool',
            kind: 'group',
            fields: [
              { name: 'node', kind: 'string' },
              {
                name: 'classes',
                kind: 'repeat',
                of: {
                  name: 'Entry',
                  kind: 'group',
                  fields: [
                    { name: 'typeID', kind: 'referenceTypeID' },
                    { name: 'signature', kind: 'string' },
                    { name: 'symbolHash', kind: 'string' },
                    { name: 'count', kind: 'long' },
                  ],
                },
              },
            ],
          },
        },
      ],
      errors: [],
    },
    {
      name: 'RequestInfo',
      id: 5,
      out: [{ name: 'requestID', kind: 'int' }],
      reply: [
        { name: 'boundNodes', kind: 'int' },
        { name: 'eligibleNodes', kind: 'int' },
        { name: 'totalNodes', kind: 'int' },
      ],
      errors: ['INVALID_EVENT_TYPE'],
    },
    {
      name: 'DivergentClasses',
      id: 6,
      out: [],
      reply: [
        {
          name: 'classes',
          kind: 'repeat',
          of: { name: 'Divergent', kind: 'group', fields: [{ name: 'signature', kind: 'string' }, versionsField] },
        },
      ],
      errors: [],
    },
    {
      name: 'DisableOnNode',
      id: 7,
      out: [
        { name: 'requestID', kind: 'int' },
        { name: 'node', kind: 'string' },
      ],
      reply: [],
      errors: ['INVALID_EVENT_TYPE'],
    },
  ],
};

/** One version of a class in the cluster: its virtual type, symbol hash and the nodes that run it. */
export interface FabricVersion {
  typeID: ReferenceTypeID;
  symbolHash: string;
  nodes: string[];
}

/** The typed Fabric commands, as the client exposes them. */
export interface FabricApi {
  /** Commands only the virtual VM answers. Never send them to a plain JVM (see isVirtualVm): HotSpot's agent crashes on set 128. */
  Fabric: {
    /** Each node's slot, name, address, VM version, state ("up", "connecting", "down") and thread count. */
    Nodes(): Promise<{
      nodes: Array<{ slot: number; name: string; address: string; vmVersion: string; state: string; threadCount: number; group: ThreadGroupID }>;
    }>;
    /** A type's symbol hash, and every version of its class with the nodes that run it. */
    SymbolInfo(refType: ReferenceTypeID): Promise<{ signature: string; symbolHash: string; versions: FabricVersion[] }>;
    /** A line breakpoint on one symbol hash (or every version, when the hash is empty), on present and future nodes. */
    SetBreakpointBySymbol(
      signature: string,
      symbolHash: string,
      methodName: string,
      line: number,
      suspendPolicy: number,
    ): Promise<{ requestID: number; boundNodes: number; totalNodes: number }>;
    /** Per node, the top N classes by instance count. */
    HeapPools(topN: number): Promise<{
      pools: Array<{ node: string; classes: Array<{ typeID: ReferenceTypeID; signature: string; symbolHash: string; count: bigint }> }>;
    }>;
    /** On how many nodes a request is bound, out of those it applies to and all nodes. */
    RequestInfo(requestID: number): Promise<{ boundNodes: number; eligibleNodes: number; totalNodes: number }>;
    /** Classes loaded in more than one version across the cluster. */
    DivergentClasses(): Promise<{ classes: Array<{ signature: string; versions: FabricVersion[] }> }>;
    /** Clears a request on one node (by name) and keeps it off there, also when the node reloads the class or rejoins. */
    DisableOnNode(requestID: number, node: string): Promise<Record<string, never>>;
  };
}
