/** Markers of the part of BENCHMARKS.md that `npm run bench:abuse` owns; `npm run bench` keeps it as it is. */
export const ABUSE_SECTION_START = '<!-- abuse-probes: written by npm run bench:abuse (bench/abuse.ts) -->';
export const ABUSE_SECTION_END = '<!-- /abuse-probes -->';
