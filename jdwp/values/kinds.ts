import type { VmMirror } from '../mirror/vm-mirror';
import type { RefType } from '../mirror/type-info';
import { JDWP } from '../registry';

/** How a value is presented: by its class, not by its fields. */
export type ValueKind = 'string' | 'box' | 'enum' | 'array' | 'list' | 'set' | 'map' | 'collection' | 'optional' | 'throwable' | 'object';

const BOXES = new Set(['Boolean', 'Byte', 'Character', 'Short', 'Integer', 'Long', 'Float', 'Double'].map((n) => `Ljava/lang/${n};`));

const OPTIONALS = new Set(['Ljava/util/Optional;', 'Ljava/util/OptionalInt;', 'Ljava/util/OptionalLong;', 'Ljava/util/OptionalDouble;']);

/** JDK classes whose toString() is cheap, has no side effects, and says more than their fields. */
export const SAFE_TO_STRING = new Set([
  'java.math.BigDecimal', 'java.math.BigInteger', 'java.util.UUID', 'java.lang.StringBuilder', 'java.lang.StringBuffer',
  'java.util.concurrent.atomic.AtomicInteger', 'java.util.concurrent.atomic.AtomicLong', 'java.util.concurrent.atomic.AtomicBoolean',
  'java.util.Date', 'java.util.Locale', 'java.io.File', 'java.net.URI', 'java.net.URL', 'java.util.regex.Pattern',
  'java.time.Instant', 'java.time.LocalDate', 'java.time.LocalTime', 'java.time.LocalDateTime', 'java.time.ZonedDateTime',
  'java.time.OffsetDateTime', 'java.time.Duration', 'java.time.Period', 'java.time.ZoneOffset', 'java.time.ZoneRegion',
  'java.lang.Class', 'sun.nio.fs.UnixPath', 'sun.nio.fs.WindowsPath',
]);

const cache = new WeakMap<VmMirror, Map<bigint, Promise<ValueKind>>>();

/** The presentation kind of a type, cached per mirror. */
export function kindOf(mirror: VmMirror, type: RefType): Promise<ValueKind> {
  let m = cache.get(mirror);
  if (!m) cache.set(mirror, (m = new Map()));
  let p = m.get(type.id);
  if (!p) {
    p = classify(mirror, type);
    m.set(type.id, p);
  }
  return p;
}

async function classify(mirror: VmMirror, type: RefType): Promise<ValueKind> {
  if (type.tag === JDWP.TypeTag.ARRAY) return 'array';
  if (type.signature === 'Ljava/lang/String;') return 'string';
  if (BOXES.has(type.signature)) return 'box';
  if (OPTIONALS.has(type.signature)) return 'optional';
  const supers = new Set((await mirror.supertypes(type)).map((t) => t.signature));
  if (supers.has('Ljava/lang/Enum;')) return 'enum';
  if (supers.has('Ljava/lang/Throwable;')) return 'throwable';
  if (supers.has('Ljava/util/Map;')) return 'map';
  if (supers.has('Ljava/util/List;')) return 'list';
  if (supers.has('Ljava/util/Set;')) return 'set';
  if (supers.has('Ljava/util/Collection;')) return 'collection';
  return 'object';
}
