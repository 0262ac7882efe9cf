// Types of the SDK that cloudkeep gives service code (sdk-js/backendless.js):
// the globals `Backendless` and `console`. Every operation returns a
// Promise; a failed one rejects with a BackendlessError carrying the
// Backendless error code.

export {};

declare global {
  interface BackendlessError extends Error {
    code: number;
    message: string;
  }

  /** A stored row: the system columns and any other fields. */
  interface DataObject {
    objectId?: string;
    ownerId?: string | null;
    created?: number;
    updated?: number | null;
    ___class?: string;
    [column: string]: unknown;
  }

  /** A class whose name is a table's (or Backendless.User for Users). */
  type TableClass<T> = new (...args: any[]) => T;

  interface DataQuery {
    whereClause?: string | null;
    where?: string;
    pageSize?: number | null;
    offset?: number | null;
    sortBy?: string | string[];
    properties?: string | string[];
    props?: string | string[];
  }

  class DataQueryBuilder {
    static create(): DataQueryBuilder;
    setWhereClause(where: string | null): this;
    getWhereClause(): string | null;
    /** 1..100; more is refused with 1025. */
    setPageSize(pageSize: number): this;
    getPageSize(): number | null;
    setOffset(offset: number): this;
    getOffset(): number | null;
    prepareNextPage(): this;
    preparePreviousPage(): this;
    /** "name", "name DESC", or a list; a string may hold several, comma-separated. */
    setSortBy(sortBy: string | string[]): this;
    getSortBy(): string[];
    setProperties(properties: string | string[]): this;
    addProperty(property: string): this;
    addProperties(...properties: Array<string | string[]>): this;
    getProperties(): string[];
  }

  interface DataStore<T = DataObject> {
    find(query?: DataQueryBuilder | DataQuery): Promise<T[]>;
    findById(id: string | { objectId: string }, query?: DataQueryBuilder | DataQuery): Promise<T>;
    /** The oldest row (by created) matching the query's where clause, or null when none does. */
    findFirst(query?: DataQueryBuilder | DataQuery): Promise<T | null>;
    /** The newest row (by created), or null. */
    findLast(query?: DataQueryBuilder | DataQuery): Promise<T | null>;
    getObjectCount(query?: DataQueryBuilder | DataQuery | string): Promise<number>;
    /** Creates (no objectId) or updates; objects made for a signed-in caller are owned by the caller. */
    save(object: Partial<T> | DataObject): Promise<T>;
    remove(object: string | { objectId: string }): Promise<{ deletionTime: number }>;
    /** At most 100 objects; resolves to their objectIds. */
    bulkCreate(objects: Array<Partial<T> | DataObject>): Promise<string[]>;
    /** A where clause, or a list of objectIds / objects; resolves to the count changed. */
    bulkUpdate(condition: string | Array<string | { objectId: string }>, changes: DataObject): Promise<number>;
    bulkDelete(condition: string | Array<string | { objectId: string }>): Promise<number>;
  }

  interface FileEntry {
    name: string;
    /** The file's path in the app's storage, e.g. "/docs/a.txt". */
    url: string;
    size: number;
    createdOn: number;
    directory: boolean;
  }

  interface FilesApi {
    /** Writes `content` at `path/fileName`; resolves to the file's path. */
    saveFile(path: string, fileName: string, content: string | Uint8Array | ArrayBuffer | ArrayBufferView,
             overwrite?: boolean): Promise<string>;
    /** Text or bytes at the full path `path`, or `{ name, content }` into the folder `path`. */
    upload(file: string | Uint8Array | ArrayBuffer | ArrayBufferView |
                 { name: string; content?: string | Uint8Array; data?: string | Uint8Array },
           path: string, overwrite?: boolean): Promise<{ fileURL: string }>;
    /** A file's content: UTF-8 text, or bytes with 'bytes'. At most 16 MB. (cloudkeep) */
    read(path: string): Promise<string>;
    read(path: string, encoding: 'bytes'): Promise<Uint8Array>;
    read(path: string, encoding: 'utf8'): Promise<string>;
    listing(path: string, pattern?: string, sub?: boolean, pageSize?: number, offset?: number): Promise<FileEntry[]>;
    exists(path: string): Promise<boolean>;
    /** A file, or a folder with everything in it; resolves to the number of entries removed. */
    remove(path: string): Promise<number>;
  }

  interface UserServiceApi {
    findById(userId: string): Promise<DataObject>;
    /** Service code only (not under asCaller()); decided as `update` on `data:Users`. */
    assignRole(userIdOrEmail: string, role: string): Promise<null>;
    unassignRole(userIdOrEmail: string, role: string): Promise<null>;
  }

  interface CacheApi {
    /** `timeToLive` in seconds: default and at most 7200. */
    put(key: string, value: unknown, timeToLive?: number): Promise<null>;
    get<T = unknown>(key: string): Promise<T | null>;
    contains(key: string): Promise<boolean>;
    remove(key: string): Promise<boolean>;
    expireIn(key: string, seconds: number): Promise<boolean>;
    expireAt(key: string, when: Date | number): Promise<boolean>;
    /** Values cached from an instance of class `name` come back as `factory()` with their fields. */
    setObjectFactory(name: string | Function, factory: () => object): void;
  }

  interface Logger {
    debug(...args: unknown[]): void;
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
    trace(...args: unknown[]): void;
    fatal(...args: unknown[]): void;
  }

  interface InvocationContext {
    appId: string;
    userId: string | null;
    userToken: string | null;
    userRoles: string[];
    deviceType: string | null;
    httpPath: string | null;
    httpHeaders: Record<string, string>;
    httpQueryParams: Record<string, string>;
    httpPathParams: Record<string, string>;
  }

  /** What `this` of a service method holds (set by the SDK per invocation). */
  interface ServiceThis<Config = Record<string, unknown>> {
    request: {
      context: InvocationContext;
      pathParams: Record<string, string>;
      queryParams: Record<string, string>;
    };
    config: Config;
    response: { statusCode?: number; headers: Record<string, string> };
  }

  interface ServiceConfigItem {
    name: string;
    displayName?: string;
    type?: string;
    defaultValue?: unknown;
    required?: boolean;
    hint?: string;
    [key: string]: unknown;
  }

  class ServerCodeError extends Error {
    constructor(code: number | string, message?: string, httpStatus?: number);
    code: number | string;
    httpStatus?: number;
  }

  class PersistenceItem {
    constructor(fields?: object);
    objectId?: string;
    ownerId?: string | null;
    created?: number;
    updated?: number | null;
    static find<T extends PersistenceItem>(this: TableClass<T>, query?: DataQueryBuilder | DataQuery): Promise<T[]>;
    static findById<T extends PersistenceItem>(this: TableClass<T>, id: string | { objectId: string },
                                               query?: DataQueryBuilder | DataQuery): Promise<T>;
    static findFirst<T extends PersistenceItem>(this: TableClass<T>, query?: DataQueryBuilder | DataQuery): Promise<T | null>;
    static findLast<T extends PersistenceItem>(this: TableClass<T>, query?: DataQueryBuilder | DataQuery): Promise<T | null>;
    static count(query?: DataQueryBuilder | DataQuery | string): Promise<number>;
    static remove(object: string | { objectId: string }): Promise<{ deletionTime: number }>;
    save(): Promise<this>;
    remove(): Promise<{ deletionTime: number }>;
  }

  interface ServiceDescription {
    name: string;
    version: string | null;
    description: string | null;
    methods: string[];
    configItems: ServiceConfigItem[];
  }

  interface DispatchRequest {
    service: string;
    method: string;
    args: unknown[];
    paramTypes: Array<string | null>;
    config: Record<string, unknown>;
    context: InvocationContext;
    pathParams: Record<string, string>;
    queryParams: Record<string, string>;
  }

  /** `[value, valueJson, extra]`; the host writes `{ ...extra, value }` (sdk-js/README.md). */
  type DispatchResult =
    | [value: unknown, valueJson: string | undefined,
       extra: { statusCode?: number; headers?: Record<string, string> } | undefined]
    | [value: null, valueJson: undefined, extra: { error: { code: number | string; message: string; httpStatus?: number } }];

  interface ServerCodeApi {
    /** While the bundle loads only. The class may have static `version` and `description`. */
    addService(service: Function & { version?: string; description?: string }, configItems?: ServiceConfigItem[]): void;
    addType(type: Function): void;
    Error: typeof ServerCodeError;
    PersistenceItem: typeof PersistenceItem;
    /** For the host's entry module (sdk-js/README.md). */
    __describe(): { services: ServiceDescription[]; types: string[] };
    __dispatch(request: DispatchRequest): Promise<DispatchResult>;
  }

  /** One SDK surface; asCaller() / asServer() give the same bound to another principal. */
  interface BackendlessApi {
    Data: { of<T = DataObject>(table: string | TableClass<T>): DataStore<T> };
    DataQueryBuilder: typeof DataQueryBuilder;
    Files: FilesApi;
    Cache: CacheApi;
    Logging: { getLogger(name: string): Logger };
    UserService: UserServiceApi;
    ServerCode: ServerCodeApi;
    /** Maps to the Users table in Data.of(). */
    User: new () => DataObject;
    /** The same SDK acting as the invocation's caller (their own permissions). Refused without a caller. */
    asCaller(): BackendlessApi;
    /** The same SDK acting as ServerCodeUser of the service (within its grants), also under "runAs": "caller". */
    asServer(): BackendlessApi;
  }

  const Backendless: BackendlessApi;

  /** Into the app's log (`cloudkeep logs`), with the invocation id; the caller's token is redacted. */
  const console: {
    log(...args: unknown[]): void;
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
    debug(...args: unknown[]): void;
    trace(...args: unknown[]): void;
  };
}
