// Accepts listeners of any parameter list; process events pass their own arguments through.
type Listener = (...args: never[]) => void;
type Dispatch = (...args: unknown[]) => void;

interface Route {
  readonly listeners: Set<Listener>;
  readonly dispatch: Dispatch;
}

// One process listener per event, shared by every coordinator: many coordinators in one
// process (a test suite) then add no listeners to `process` and raise no MaxListeners warning.
const routes = new Map<string, Route>();
const dispatchers = new WeakSet<object>();

/** True for the process listeners this module adds: the ones lastcall's coordinators share. */
export function isOwnListener(listener: unknown): boolean {
  return typeof listener === 'function' && dispatchers.has(listener);
}

/** Adds `listener` for a process event (a signal, `uncaughtException`); returns its removal. */
export function onProcessEvent(event: string, listener: Listener): () => void {
  let route = routes.get(event);
  if (route === undefined) {
    const listeners = new Set<Listener>();
    const dispatch: Dispatch = (...args) => {
      for (const each of [...listeners]) (each as Dispatch)(...args);
    };
    dispatchers.add(dispatch);
    route = { listeners, dispatch };
    routes.set(event, route);
    process.on(event as NodeJS.Signals, dispatch);
  }
  const { listeners, dispatch } = route;
  listeners.add(listener);
  return () => {
    if (!listeners.delete(listener) || listeners.size > 0) return;
    process.off(event as NodeJS.Signals, dispatch);
    routes.delete(event);
  };
}
