class Emitter {
  constructor() {
    this.listeners = new Map();
  }

  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, []);
    this.listeners.get(event).push(fn);
    return this;
  }

  off(event, fn) {
    const list = this.listeners.get(event) ?? [];
    this.listeners.set(event, list.filter((l) => l !== fn && l.original !== fn));
    return this;
  }

  once(event, fn) {
    const wrapper = (...args) => {
      fn(...args);
    };
    wrapper.original = fn;
    return this.on(event, wrapper);
  }

  emit(event, ...args) {
    const list = [...(this.listeners.get(event) ?? [])];
    for (const fn of list) fn(...args);
    return list.length > 0;
  }

  listenerCount(event) {
    return (this.listeners.get(event) ?? []).length;
  }
}

module.exports = { Emitter };
