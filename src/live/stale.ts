import type { RunWire } from './pubsub.js';

/** The views made for stale re-sends, by the state they show (one per state, however many subscribers get it). */
const views = new WeakMap<RunWire, RunWire>();
const staleViews = new WeakSet<RunWire>();

/**
 * The run as a subscription re-sends it during an upstream outage: the same fields, as a distinct object that
 * `isStale` recognises. One object per state, so that its execution is shared by every subscriber that gets it.
 */
export function staleView(run: RunWire): RunWire {
  let view = views.get(run);
  if (view === undefined) {
    view = { ...run };
    views.set(run, view);
    staleViews.add(view);
  }
  return view;
}

/** Whether this run object is a stale re-send (RunObject.upstreamStatus). */
export function isStale(run: RunWire): boolean {
  return staleViews.has(run);
}
