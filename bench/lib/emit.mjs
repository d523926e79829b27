// How a bench hands its figures to bench/run.mjs: `emit(name, figures)` writes them as JSON to
// $BENCH_RESULTS_DIR/<name>.json (set by run.mjs) or to the path after `--json` on the command line; with neither,
// it does nothing (the bench only prints, as when run by hand).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function resultsPath(name) {
	const flag = process.argv.indexOf('--json');
	if (flag !== -1 && process.argv[flag + 1]) return process.argv[flag + 1];
	if (process.env.BENCH_RESULTS_DIR) return join(process.env.BENCH_RESULTS_DIR, `${name}.json`);
	return undefined;
}

export function emit(name, figures) {
	const path = resultsPath(name);
	if (!path) return;
	mkdirSync(dirname(path), { recursive: true });
	writeFileSync(path, `${JSON.stringify({ bench: name, node: process.version, finishedAt: new Date().toISOString(), ...figures }, null, 2)}\n`);
}

/** Rounds for JSON: ratios to 3 decimals, rates to 1. */
export const round = (value, digits = 3) => (typeof value === 'number' && Number.isFinite(value) ? Number(value.toFixed(digits)) : null);
