/** Markers of the part of BENCHMARKS.md that `npm run bench:footprint` owns; `npm run bench` keeps it as it is. */
export const FOOTPRINT_SECTION_START = '<!-- footprint: written by npm run bench:footprint (bench/footprint.ts) -->';
export const FOOTPRINT_SECTION_END = '<!-- /footprint -->';
