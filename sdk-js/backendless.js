// The Backendless SDK subset that service code sees as the globals
// `Backendless` and `console` (sdk-js/README.md; typed in index.d.ts).
//
// Run once per app context by the sandbox prelude, after it installed
// `Host` and before it deep-freezes every intrinsic: everything reachable
// from `Backendless` and `console` is frozen with them, and the objects this
// file hands out later (data stores, loggers, the asCaller()/asServer()
// surfaces) are frozen here, so nothing an invocation does to the SDK
// reaches the next one. Every operation is `Host.call(op, args)`; the host
// decides on whose behalf it runs (services/host_calls.h). Plain ES2020, no
// build step. Compiled as the body of a function.
'use strict';

const global = globalThis;
const host = global.Host;
const { assign, defineProperty, freeze, getOwnPropertyDescriptor, getOwnPropertyNames, getPrototypeOf, keys } = Object;
const { isArray } = Array;
const hasOwn = (o, key) => Object.prototype.hasOwnProperty.call(o, key);
const { parse, stringify } = JSON;
const hostCall = (op, args) => host.call(op, args);
const hostCallRows = (op, args) => host.callRows(op, args);

// Objects handed to JS that no global reaches: frozen whole (own values and
// accessors, and the `prototype` of functions).
function deepFreeze(o) {
  if ((typeof o !== 'object' && typeof o !== 'function') || o === null || Object.isFrozen(o)) return o;
  freeze(o);
  for (const key of Reflect.ownKeys(o)) {
    const desc = getOwnPropertyDescriptor(o, key);
    deepFreeze(desc.value);
    deepFreeze(desc.get);
    deepFreeze(desc.set);
  }
  return o;
}

// A JSON copy of what a script passes (toJSON applied, functions and
// undefined dropped), so no getter or proxy runs while the host reads it.
function plain(value) {
  if (value === undefined) return null;
  return parse(stringify(value));
}

// Fire-and-forget calls (logs) must not leave unhandled rejections.
const ignore = () => {};

// ---- Bytes <-> base64 (files of bytes) ---------------------------------------------
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function toBase64(bytes) {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  if (i < bytes.length) {
    const n = (bytes[i] << 16) | ((i + 1 < bytes.length ? bytes[i + 1] : 0) << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + '=';
  }
  return out;
}
function fromBase64(text) {
  const clean = text.replace(/=+$/, '');
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let n = 0;
  let j = 0;
  for (let i = 0; i < clean.length; i++) {
    n = (n << 6) | B64.indexOf(clean[i]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[j++] = (n >> bits) & 255;
    }
  }
  return bytes;
}
function asBytes(content) {
  if (content instanceof Uint8Array) return content;
  if (content instanceof ArrayBuffer) return new Uint8Array(content);
  if (ArrayBuffer.isView(content)) return new Uint8Array(content.buffer, content.byteOffset, content.byteLength);
  return null;
}

// ---- DataQueryBuilder ---------------------------------------------------------------
function toList(value) {
  if (value === undefined || value === null) return [];
  return isArray(value) ? value.map(String) : String(value).split(',').map((s) => s.trim()).filter((s) => s);
}

class DataQueryBuilder {
  constructor() {
    this.whereClause = null;
    this.pageSize = null;
    this.offset = null;
    this.sortBy = [];
    this.properties = [];
  }
  static create() { return new DataQueryBuilder(); }
  setWhereClause(where) { this.whereClause = where == null ? null : String(where); return this; }
  getWhereClause() { return this.whereClause; }
  setPageSize(n) { this.pageSize = n; return this; }
  getPageSize() { return this.pageSize; }
  setOffset(n) { this.offset = n; return this; }
  getOffset() { return this.offset; }
  prepareNextPage() { this.offset = (this.offset || 0) + (this.pageSize || 10); return this; }
  preparePreviousPage() { this.offset = Math.max(0, (this.offset || 0) - (this.pageSize || 10)); return this; }
  setSortBy(sortBy) { this.sortBy = toList(sortBy); return this; }
  getSortBy() { return this.sortBy.slice(); }
  setProperties(props) { this.properties = toList(props); return this; }
  addProperty(prop) { this.properties.push(String(prop)); return this; }
  addProperties(...props) { for (const p of props) this.properties.push(...toList(p)); return this; }
  getProperties() { return this.properties.slice(); }
}

// The find arguments of a query builder, or of a plain object written the
// way the REST API names them.
function queryArgs(query) {
  const out = {};
  if (query === undefined || query === null) return out;
  if (typeof query !== 'object') throw new TypeError('The query must be a DataQueryBuilder');
  const where = query.whereClause !== undefined ? query.whereClause : query.where;
  if (where !== undefined && where !== null) out.where = String(where);
  if (query.pageSize !== undefined && query.pageSize !== null) out.pageSize = query.pageSize;
  if (query.offset !== undefined && query.offset !== null) out.offset = query.offset;
  const sortBy = toList(query.sortBy);
  if (sortBy.length > 0) out.sortBy = sortBy;
  const props = toList(query.properties !== undefined ? query.properties : query.props);
  if (props.length > 0) out.props = props;
  return out;
}

// ---- Rows handed to the code ------------------------------------------------------------
// A find's rows arrive from Host.callRows as `[text, names, values]`: the JSON
// text the host wrote, then, for a page of flat rows, the keys and every
// row's values one after the other, from which the rows are built here (V8's
// JSON.parse is several times slower on keys and numbers). Other answers
// arrive as `[text]` and are parsed.
//
// When the code returns those very rows unchanged, __dispatch answers with
// the text (`valueJson`; the host checks it is one it wrote in this
// invocation) rather than serialising every row again. `handed` keeps, per
// rows array, what JSON.stringify would read: the row objects, their keys
// and values.
//
// It is a Map emptied when each dispatch ends, not a WeakMap: V8's young
// collections keep a WeakMap's values alive, so every handed row was copied
// once more by the next scavenge (a third of all allocation survived one).
// At most kMaxHanded arrays are kept; rows past that are answered by
// serialising them again.
const handed = new Map();
const kMaxHanded = 64;
const ObjectPrototype = Object.prototype;
const ArrayPrototype = Array.prototype;

// Rows are made by `new Row()`: plain objects to JS (Object.prototype is
// their prototype, as for JSON.parse's), but with room for every key in the
// object itself, by V8's slack tracking (a literal has room for four).
function Row() {}
Row.prototype = ObjectPrototype;

// The rows of `values`, `names.length` to a row. The first 12 keys are each
// stored by a statement of its own: all the rows of a page store the same
// key there, which V8 compiles to a plain field store. One store in a loop
// over the keys sees them all and takes V8's generic keyed store every
// time, six times slower (it was 8% of a find's work).
function buildRows(names, values) {
  const width = names.length;
  const [n0, n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11] = names;
  const rows = [];
  for (let k = 0; k < values.length; k += width) {
    const row = new Row();
    if (width > 0) row[n0] = values[k];
    if (width > 1) row[n1] = values[k + 1];
    if (width > 2) row[n2] = values[k + 2];
    if (width > 3) row[n3] = values[k + 3];
    if (width > 4) row[n4] = values[k + 4];
    if (width > 5) row[n5] = values[k + 5];
    if (width > 6) row[n6] = values[k + 6];
    if (width > 7) row[n7] = values[k + 7];
    if (width > 8) row[n8] = values[k + 8];
    if (width > 9) row[n9] = values[k + 9];
    if (width > 10) row[n10] = values[k + 10];
    if (width > 11) row[n11] = values[k + 11];
    for (let j = 12; j < width; j++) row[names[j]] = values[k + j];
    rows.push(row);
  }
  return rows;
}

// The rows of a Host.callRows answer, as JSON.parse would make them from
// its text.
function rowsOf(answer) {
  const text = answer[0];
  const names = answer[1];
  // An assignment would reach Object.prototype's accessors (`__proto__`;
  // the prelude's tamed `constructor`, `toString`..., whose setters define
  // the key, correctly but slowly); JSON.parse defines its keys.
  if (names === undefined || names.some((name) => name in ObjectPrototype)) return { text, rows: parse(text) };
  const values = answer[2];
  return { text, rows: buildRows(names, values), names, values };
}

function handRows(answer) {
  const page = rowsOf(answer);
  const { rows, names } = page;
  if (names === undefined) return rows;
  // Integer-like keys are ordered first; the rows' own key order decides.
  const own = keys(rows[0]);
  for (let j = 0; j < own.length; j++) {
    if (own[j] !== names[j]) return rows;
  }
  if (own.length === names.length && handed.size < kMaxHanded) {
    handed.set(rows, { text: page.text, rows: rows.slice(), names, values: page.values });
  }
  return rows;
}

// The text of `value` when it is a find's rows as they were handed over:
// the same row objects in the same places, each with the same enumerable
// keys in the same order holding the same values, and no toJSON anywhere.
function unchangedRowsText(value) {
  const was = handed.get(value);
  if (was === undefined) return undefined;
  const { rows, names, values } = was;
  if (getPrototypeOf(value) !== ArrayPrototype || hasOwn(value, 'toJSON') || value.length !== rows.length) {
    return undefined;
  }
  // for-in, not keys(): it walks the row's enumerable keys in order without
  // making an array per row; Object.prototype has none, so only own keys come.
  const width = names.length;
  let k = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = value[i];
    if (row !== rows[i] || getPrototypeOf(row) !== ObjectPrototype || hasOwn(row, 'toJSON')) return undefined;
    let j = 0;
    for (const key in row) {
      if (j === width || key !== names[j] || row[key] !== values[k++]) return undefined;
      j++;
    }
    if (j !== width) return undefined;
  }
  return was.text;
}

// ---- ServerCode registry (the contract in sdk-js/README.md) ---------------------------
const services = new Map();  // name -> { Class, configItems, methods (a Set, from the first dispatch) }
const types = new Map();     // name -> Class
let registrationClosed = false;

class ServerCodeError extends Error {
  constructor(code, message, httpStatus) {
    super(message === undefined ? '' : String(message));
    defineProperty(this, 'name', { value: 'ServerCodeError', writable: true, configurable: true });
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

function className(Class) {
  if (typeof Class !== 'function' || typeof Class.name !== 'string' || Class.name === '') {
    throw new TypeError('Expected a named class');
  }
  return Class.name;
}

// What a `Data.of()` argument names: a table, or a class whose name is one.
function tableOf(target) {
  if (typeof target === 'string' && target !== '') return target;
  if (target === User) return 'Users';
  if (typeof target === 'function') return className(target);
  throw new TypeError('Data.of() takes a table name or a class');
}

function instanceOf(Class, row) {
  if (row === null || typeof row !== 'object' || isArray(row)) return row;
  return assign(new Class(), row);
}

function ownMethods(Class) {
  const proto = Class.prototype;
  return getOwnPropertyNames(proto).filter((name) => {
    if (name === 'constructor') return false;
    const desc = getOwnPropertyDescriptor(proto, name);
    return 'value' in desc && typeof desc.value === 'function';
  });
}

// ---- One SDK surface: Data, Files, Cache, UserService for one `as` -----------------
// `mode` is undefined (the service's default principal), 'caller' or
// 'server'; it travels as the `as` field of every call's arguments.
function makeSurface(mode) {
  const withMode = (args) => {
    if (mode !== undefined) args.as = mode;
    return args;
  };
  const call = (op, args) => hostCall(op, withMode(args));
  const callRows = (op, args) => hostCallRows(op, withMode(args));
  const idsWhere = (items) => {
    const ids = items.map((item) => (typeof item === 'object' && item !== null ? item.objectId : item));
    if (ids.length === 0 || ids.some((id) => typeof id !== 'string' || id === '')) {
      throw new TypeError('Expected a where clause or a list of objectIds (or objects with one)');
    }
    return `objectId IN (${ids.map((id) => `'${id.replace(/'/g, "''")}'`).join(', ')})`;
  };

  // Stores are frozen and hold nothing per call: one per table name serves
  // every invocation (up to a bound; a class target gets its own each time).
  const stores = new Map();
  function of(target) {
    if (typeof target !== 'string') return storeOf(target);
    let store = stores.get(target);
    if (store === undefined) {
      store = storeOf(target);
      if (stores.size < 256) stores.set(target, store);
    }
    return store;
  }

  function storeOf(target) {
    const table = tableOf(target);
    const Class = typeof target === 'function' ? target : null;
    const wrap = (row) => (Class === null ? row : instanceOf(Class, row));
    const wrapAll = (rows) => (Class === null || !isArray(rows) ? rows : rows.map(wrap));
    const firstOf = (rows) => (isArray(rows) && rows.length > 0 ? wrap(rows[0]) : null);
    const run = (fn) => { try { return fn(); } catch (e) { return Promise.reject(e); } };
    return freeze({
      find: (query) => run(() => callRows('data.find', { table, ...queryArgs(query) })
        .then((answer) => (Class === null ? handRows(answer) : wrapAll(rowsOf(answer).rows)))),
      findById: (id, query) => run(() => {
        const objectId = typeof id === 'object' && id !== null ? id.objectId : id;
        const args = { table, objectId };
        const props = queryArgs(query).props;
        if (props) args.props = props;
        return call('data.findById', args).then(wrap);
      }),
      findFirst: (query) => run(() => call('data.find', { table, ...queryArgs(query), sortBy: ['created ASC', 'objectId ASC'],
                                                          pageSize: 1, offset: 0 }).then(firstOf)),
      findLast: (query) => run(() => call('data.find', { table, ...queryArgs(query), sortBy: ['created DESC', 'objectId DESC'],
                                                         pageSize: 1, offset: 0 }).then(firstOf)),
      getObjectCount: (query) => run(() => {
        const where = typeof query === 'string' ? query : queryArgs(query).where;
        return call('data.count', where === undefined ? { table } : { table, where });
      }),
      save: (object) => run(() => call('data.save', { table, object: plain(object) }).then(wrap)),
      remove: (objectOrId) => run(() => {
        const objectId = typeof objectOrId === 'object' && objectOrId !== null ? objectOrId.objectId : objectOrId;
        return call('data.remove', { table, objectId });
      }),
      bulkCreate: (objects) => run(() => call('data.bulkCreate', { table, objects: plain(objects) })),
      bulkUpdate: (condition, changes) => run(() => {
        const where = isArray(condition) ? idsWhere(condition) : condition;
        return call('data.bulkUpdate', { table, where, changes: plain(changes) });
      }),
      bulkDelete: (condition) => run(() => {
        const where = isArray(condition) ? idsWhere(condition) : condition;
        return call('data.bulkDelete', { table, where });
      }),
    });
  }

  const Data = freeze({ of });

  const join = (dir, name) => `${String(dir).replace(/\/+$/, '')}/${name}`;
  const fileContent = (content) => {
    const bytes = asBytes(content);
    if (bytes !== null) return { content: toBase64(bytes), encoding: 'base64' };
    return { content: String(content), encoding: 'utf8' };
  };
  const Files = freeze({
    saveFile: (path, fileName, content, overwrite) =>
      call('files.save', { path: join(path, fileName), ...fileContent(content), overwrite: overwrite === true }),
    // upload(content, fullPath, overwrite) for text or bytes, or
    // upload({ name, content }, directory, overwrite).
    upload: (file, path, overwrite) => {
      const named = typeof file === 'object' && file !== null && asBytes(file) === null && typeof file.name === 'string';
      const target = named ? join(path, file.name) : String(path);
      const content = named ? (file.content !== undefined ? file.content : file.data) : file;
      return call('files.save', { path: target, ...fileContent(content), overwrite: overwrite === true })
        .then((fileURL) => ({ fileURL }));
    },
    // The file's content: a string (UTF-8), or a Uint8Array when `encoding` is 'bytes'.
    read: (path, encoding) => {
      const bytes = encoding === 'bytes';
      return call('files.read', { path, encoding: bytes ? 'base64' : 'utf8' })
        .then((content) => (bytes ? fromBase64(content) : content));
    },
    listing: (path, pattern, sub, pageSize, offset) => {
      const args = { path, pattern: pattern == null ? '' : String(pattern), recursive: sub === true };
      if (pageSize != null) args.pageSize = pageSize;
      if (offset != null) args.offset = offset;
      return call('files.list', args);
    },
    exists: (path) => call('files.exists', { path }),
    remove: (path) => call('files.remove', { path }),
  });

  const UserService = freeze({
    findById: (userId) => call('users.findById', { userId }),
    assignRole: (identity, role) => call('users.assignRole', { user: identity, role }),
    unassignRole: (identity, role) => call('users.unassignRole', { user: identity, role }),
  });

  return { Data, Files, UserService };
}

// ---- Cache ------------------------------------------------------------------------------
const factories = new Map();  // class name -> factory; set at load, per isolate
function cacheValue(value) {
  const out = plain(value);
  if (out !== null && typeof out === 'object' && !isArray(out) && typeof value === 'object' &&
      value.constructor !== Object && typeof value.constructor === 'function' && value.constructor.name) {
    out.___class = value.constructor.name;
  }
  return out;
}
function fromCache(value) {
  if (value === null || typeof value !== 'object' || isArray(value) || typeof value.___class !== 'string') return value;
  const factory = factories.get(value.___class);
  if (factory === undefined) return value;
  const made = factory();
  const { ___class, ...fields } = value;
  return assign(made, fields);
}
const Cache = {
  put: (key, value, timeToLive) => {
    const args = { key, value: cacheValue(value) };
    if (timeToLive != null) args.ttlMs = Math.round(Number(timeToLive) * 1000);
    return hostCall('cache.put', args);
  },
  get: (key) => hostCall('cache.get', { key }).then(fromCache),
  contains: (key) => hostCall('cache.contains', { key }),
  remove: (key) => hostCall('cache.remove', { key }),
  expireIn: (key, seconds) => hostCall('cache.expireIn', { key, ttlMs: Math.round(Number(seconds) * 1000) }),
  expireAt: (key, when) => hostCall('cache.expireAt', { key, atMs: when instanceof Date ? when.getTime() : Number(when) }),
  setObjectFactory: (name, factory) => {
    if (typeof factory !== 'function') throw new TypeError('setObjectFactory takes a name and a function');
    factories.set(typeof name === 'function' ? className(name) : String(name), factory);
  },
};

// ---- Logging and console ------------------------------------------------------------
function formatOne(value) {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.stack || `${value.name}: ${value.message}`;
  if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
  if (typeof value === 'symbol' || typeof value === 'bigint') return String(value);
  try {
    const text = stringify(value);
    return text === undefined ? String(value) : text;
  } catch (e) {
    return '[unserialisable]';
  }
}
const format = (args) => args.map(formatOne).join(' ');
function write(level, logger, args) {
  hostCall('log.write', { level, logger, message: format(args) }).then(ignore, ignore);
}
function makeLogger(name) {
  const logger = String(name);
  return freeze({
    debug: (...args) => write('debug', logger, args),
    info: (...args) => write('info', logger, args),
    warn: (...args) => write('warn', logger, args),
    error: (...args) => write('error', logger, args),
    trace: (...args) => write('debug', logger, args),
    fatal: (...args) => write('error', logger, args),
  });
}
const Logging = { getLogger: makeLogger };
const console = {
  log: (...args) => write('info', 'console', args),
  info: (...args) => write('info', 'console', args),
  warn: (...args) => write('warn', 'console', args),
  error: (...args) => write('error', 'console', args),
  debug: (...args) => write('debug', 'console', args),
  trace: (...args) => write('debug', 'console', args),
};

// ---- Models ------------------------------------------------------------------------------
class User {}

let defaultSurface = null;  // set below; PersistenceItem runs on the service's default principal
class PersistenceItem {
  constructor(fields) {
    if (fields !== null && typeof fields === 'object') assign(this, fields);
  }
  static find(query) { return defaultSurface.Data.of(this).find(query); }
  static findById(id, query) { return defaultSurface.Data.of(this).findById(id, query); }
  static findFirst(query) { return defaultSurface.Data.of(this).findFirst(query); }
  static findLast(query) { return defaultSurface.Data.of(this).findLast(query); }
  static count(query) { return defaultSurface.Data.of(this).getObjectCount(query); }
  static remove(objectOrId) { return defaultSurface.Data.of(this).remove(objectOrId); }
  save() {
    return defaultSurface.Data.of(this.constructor).save(this).then((saved) => assign(this, saved));
  }
  remove() { return defaultSurface.Data.of(this.constructor).remove(this); }
}

// ---- ServerCode --------------------------------------------------------------------------
function addService(Class, configItems) {
  if (registrationClosed) throw new Error('Services are registered while the bundle loads, not later');
  const name = className(Class);
  if (services.has(name)) throw new Error(`Service ${name} is registered twice`);
  services.set(name, { Class, configItems: isArray(configItems) ? plain(configItems) : [], methods: null });
}
function addType(Class) {
  if (registrationClosed) throw new Error('Types are registered while the bundle loads, not later');
  types.set(className(Class), Class);
}

function describe() {
  registrationClosed = true;
  const list = [];
  for (const [name, { Class, configItems }] of services) {
    list.push({
      name,
      version: Class.version === undefined ? null : String(Class.version),
      description: Class.description === undefined ? null : String(Class.description),
      methods: ownMethods(Class),
      configItems,
    });
  }
  return { services: list, types: [...types.keys()] };
}

// this.config: each declared item's value from cloudkeep.json's
// services.<Name>.config, else its default; items with neither are left out.
function configFor(configItems, values) {
  const config = {};
  const given = values !== null && typeof values === 'object' ? values : {};
  for (const item of configItems) {
    if (!item || typeof item.name !== 'string') continue;
    if (hasOwn(given, item.name)) {
      config[item.name] = given[item.name];
    } else if (item.defaultValue !== undefined) {
      config[item.name] = item.defaultValue;
    }
  }
  return config;
}

// An argument as its @param type says: an instance of a registered type
// ("Order"), or an array of them ("Order[]", "Array.<Order>", "Array<Order>").
const ARRAY_TYPE = /^(?:Array\.?<\s*([^<>\s]+)\s*>|([^<>\[\]\s]+)\[\])$/;
function typedArg(typeName, arg) {
  if (typeof typeName !== 'string') return arg;
  const Type = types.get(typeName);
  if (Type !== undefined) return instanceOf(Type, arg);
  const m = ARRAY_TYPE.exec(typeName);
  const Item = m === null ? undefined : types.get(m[1] !== undefined ? m[1] : m[2]);
  if (Item === undefined || !isArray(arg)) return arg;
  return arg.map((item) => instanceOf(Item, item));
}

// `this.request.context`: the context the route sent as JSON text, parsed
// the first time a method reads it (most never do); an object given as
// `request.context` instead is used as it is. The accessor pair is one for
// every request, so each request object gets the same hidden class; the
// text and the parsed value sit under a symbol of this module's.
const kContext = Symbol('context');
const contextAccessor = {
  get() {
    const slot = this[kContext];
    if (!slot.parsed) {
      slot.value = parse(slot.text);
      slot.parsed = true;
    }
    return slot.value;
  },
  set(value) {
    const slot = this[kContext];
    slot.value = value;
    slot.parsed = true;
  },
  enumerable: true,
  configurable: true,
};
deepFreeze(contextAccessor);  // its functions are reachable from every request

function defineContext(target, request, contextJson) {
  if (typeof contextJson !== 'string') {
    target.context = request.context || {};
    return;
  }
  // A plain assignment: Object.defineProperty costs about 4K instructions a
  // call. (Symbol-keyed, so JSON and Object.keys never show it.)
  target[kContext] = { text: contextJson, value: undefined, parsed: false };
  defineProperty(target, 'context', contextAccessor);
}

async function dispatch(request, contextJson) {
  registrationClosed = true;
  const entry = services.get(request.service);
  if (entry === undefined) throw new Error(`No service ${request.service}`);
  const { Class, configItems } = entry;
  const method = request.method;
  // Registration is closed: the methods __describe listed are the ones there are.
  if (entry.methods === null) entry.methods = new Set(ownMethods(Class));
  if (!entry.methods.has(method)) throw new Error(`No method ${request.service}.${method}`);
  const config = configFor(configItems, request.config);
  const instance = new Class(config);
  const response = { statusCode: undefined, headers: {} };
  const req = {};
  defineContext(req, request, contextJson);
  req.pathParams = request.pathParams || {};
  req.queryParams = request.queryParams || {};
  instance.request = req;
  instance.config = config;
  instance.response = response;
  const paramTypes = isArray(request.paramTypes) ? request.paramTypes : [];
  const args = (isArray(request.args) ? request.args : []).map((arg, i) => typedArg(paramTypes[i], arg));
  try {
    const value = await Class.prototype[method].apply(instance, args);
    let extra;
    if (response.statusCode !== undefined) extra = { statusCode: response.statusCode };
    if (keys(response.headers).length > 0) {
      if (extra === undefined) extra = {};
      extra.headers = response.headers;
    }
    return [value === undefined ? null : value, unchangedRowsText(value), extra];
  } catch (e) {
    if (e instanceof ServerCodeError) {
      return [null, undefined, { error: { code: e.code, message: e.message, httpStatus: e.httpStatus } }];
    }
    throw e;
  } finally {
    // A run stopped mid-method skips this; the next dispatch's end empties it.
    handed.clear();
  }
}

const ServerCode = {
  addService,
  addType,
  Error: ServerCodeError,
  PersistenceItem,
  __describe: describe,
  __dispatch: dispatch,
};

// ---- The globals ---------------------------------------------------------------------------
// Backendless, Backendless.asCaller() and Backendless.asServer() share
// everything but the `as` of their calls.
function makeBackendless(mode, facades) {
  const surface = makeSurface(mode);
  return assign(surface, {
    DataQueryBuilder,
    ServerCode,
    Cache,
    Logging,
    User,
    asCaller: () => facades.caller,
    asServer: () => facades.server,
  });
}
const facades = {};
const Backendless = makeBackendless(undefined, facades);
facades.caller = deepFreeze(makeBackendless('caller', facades));
facades.server = deepFreeze(makeBackendless('server', facades));
defaultSurface = Backendless;
deepFreeze(Backendless);
deepFreeze(console);

defineProperty(global, 'Backendless', { value: Backendless, writable: false, enumerable: false, configurable: false });
defineProperty(global, 'console', { value: console, writable: false, enumerable: false, configurable: false });
