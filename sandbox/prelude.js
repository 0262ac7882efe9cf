// The sandbox's own JavaScript, run once in every app context before the
// bundle: it removes what an app must not see, installs the host object and
// deep-freezes every intrinsic, so nothing an invocation does to the
// built-ins reaches the next one.
//
// Compiled as the body of a function (with a code cache, never inside a
// startup snapshot: V8 10.2 installs some built-ins on each Context::New).
// Parameters: `host`, the binding object of the Host API (host_api.h);
// `intrinsics`, the host's scripts (the SDK) as functions, called in order
// once `Host` is installed and before the freeze (AppIsolate::Options).
// Strict mode: no function here can be reached through `fn.caller`.
'use strict';

const global = globalThis;
const { defineProperty, freeze, getOwnPropertyDescriptor, getPrototypeOf } = Object;
const { ownKeys } = Reflect;

// ---- What an app must not see ----------------------------------------------
// Shared memory and wasm are also off by V8 flags (v8_platform.cc); these
// deletes are the second line. WeakRef and FinalizationRegistry make garbage
// collection observable, and finalizers would run outside any invocation.
for (const name of ['SharedArrayBuffer', 'Atomics', 'WebAssembly', 'WeakRef', 'FinalizationRegistry']) {
  delete global[name];
}
// RegExp's legacy static properties (RegExp.$1, RegExp.input, ...) keep the
// last match of the previous invocation.
for (const name of ['$1', '$2', '$3', '$4', '$5', '$6', '$7', '$8', '$9', 'input', '$_', 'lastMatch', '$&',
                    'lastParen', '$+', 'leftContext', '$`', 'rightContext', "$'"]) {
  delete RegExp[name];
}

// ---- The host object -----------------------------------------------------------
// `Host.call(op, args)` returns a settled promise (host_api.h). Read-only and
// frozen below; the SDK is built on it.
defineProperty(global, 'Host', { value: host, writable: false, enumerable: false, configurable: false });

// ---- The override mistake ------------------------------------------------------
// Assigning to a property that a frozen prototype has (`obj.toString = f`,
// `Sub.prototype.constructor = Sub`, `MyError.prototype.name = 'X'`) throws
// in strict mode, which breaks common transpiled code (TypeScript's
// __extends). For these few properties, an accessor pair keeps the value and
// turns such an assignment into an own property of the object assigned to.
// The built-in itself still cannot change.
function tame(obj, names) {
  for (const name of names) {
    const desc = getOwnPropertyDescriptor(obj, name);
    if (!desc || !('value' in desc) || !desc.configurable) continue;
    const value = desc.value;
    defineProperty(obj, name, {
      get() { return value; },
      set(v) {
        if (this === obj) throw new TypeError(`Cannot assign to read only property '${String(name)}' of a built-in`);
        if ((typeof this !== 'object' && typeof this !== 'function') || this === null) return;
        defineProperty(this, name, { value: v, writable: true, enumerable: true, configurable: true });
      },
      enumerable: desc.enumerable,
      configurable: false,
    });
  }
}
tame(Object.prototype, ['constructor', 'toString', 'toLocaleString', 'valueOf', 'hasOwnProperty',
                        'isPrototypeOf', 'propertyIsEnumerable']);
tame(Function.prototype, ['constructor', 'toString']);
tame(Error.prototype, ['constructor', 'message', 'name', 'toString']);

// ---- The host's intrinsic scripts (the SDK) ---------------------------------------
for (const setup of intrinsics) setup();

// ---- Deep freeze ------------------------------------------------------------------
// Everything reachable from the globals and from intrinsics no global names,
// through prototypes and property descriptors (values, getters, setters).
const hidden = [
  getPrototypeOf(function* () {}),                  // %GeneratorFunction.prototype% -> %GeneratorPrototype%
  getPrototypeOf(async function () {}),             // %AsyncFunction.prototype%
  getPrototypeOf(async function* () {}),            // %AsyncGeneratorFunction.prototype% -> ...
  getPrototypeOf((function* () {})()),
  getPrototypeOf((async function* () {})()),        // -> %AsyncGeneratorPrototype% -> %AsyncIteratorPrototype%
  getPrototypeOf([][Symbol.iterator]()),            // %ArrayIteratorPrototype% -> %IteratorPrototype%
  getPrototypeOf(''[Symbol.iterator]()),
  getPrototypeOf(new Map()[Symbol.iterator]()),
  getPrototypeOf(new Set()[Symbol.iterator]()),
  getPrototypeOf(/a/[Symbol.matchAll]('a')),
  getPrototypeOf(Int8Array),                        // %TypedArray%
  getOwnPropertyDescriptor(Function.prototype, 'caller').get,  // %ThrowTypeError%
  (function () { return arguments; })(),            // reaches %ArrayProto_values% via @@iterator
];
if (typeof Intl === 'object' && typeof Intl.Segmenter === 'function') {
  const segments = new Intl.Segmenter().segment('a');
  hidden.push(getPrototypeOf(segments), getPrototypeOf(segments[Symbol.iterator]()));
}

const seen = new Set();
const stack = [...hidden];
for (const key of ownKeys(global)) {
  const desc = getOwnPropertyDescriptor(global, key);
  stack.push(desc.value, desc.get, desc.set);
}
while (stack.length > 0) {
  const o = stack.pop();
  if (o === global || seen.has(o) || ((typeof o !== 'object' || o === null) && typeof o !== 'function')) continue;
  seen.add(o);
  stack.push(getPrototypeOf(o));
  for (const key of ownKeys(o)) {
    const desc = getOwnPropertyDescriptor(o, key);
    stack.push(desc.value, desc.get, desc.set);
  }
}
for (const o of seen) freeze(o);

// The global object stays extensible (an app may add globals, which persist
// like module-level variables), but its built-in bindings are read-only.
for (const key of ownKeys(global)) {
  const desc = getOwnPropertyDescriptor(global, key);
  if (!desc.configurable && !('value' in desc && desc.writable)) continue;
  defineProperty(global, key, 'value' in desc ? { writable: false, configurable: false } : { configurable: false });
}
