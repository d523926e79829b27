// Worst case of the patterns intake applies to request data: each rewritten pattern's old regular expression
// against its replacement, on the adversarial input that made the old one backtrack, at growing sizes
// (10 kB → 80 kB). The old pattern's time grows with the square of the size; the new one's linearly. Also the
// whole intake path (receivePostback) on an 80 kB email, which it refuses by its length (FIELD_LIMITS) first.
//
// Runs the code transpiled from src/ (test/store/compile-src.cjs), so no build is needed. Runnable alone:
// `node bench/regex.bench.mjs` (Node 24 via npx). Knobs: BENCH_ROUNDS (default 3, the best round counts),
// BENCH_REGEX_MAX_OLD_MS (default 4000: once an old pattern takes longer than this at one size, larger sizes
// are not run for it and are reported as skipped).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { emit, round } from './lib/emit.mjs';

const require = createRequire(import.meta.url);
const { compileSources } = require('../test/store/compile-src.cjs');

const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const MAX_OLD_MS = Number(process.env.BENCH_REGEX_MAX_OLD_MS || 4000);
const SIZES = [10_000, 20_000, 40_000, 80_000];

const buildDir = compileSources();
const { isEmailShape, withoutZone } = require(join(buildDir, 'src', 'identity', 'normalizers'));
const { trimControl } = require(join(buildDir, 'src', 'networks', 'clickbank'));
const { withoutBraces } = require(join(buildDir, 'src', 'partners'));
const { normalizeDecimal } = require(join(buildDir, 'src', 'model', 'money'));
const { receivePostback } = require(join(buildDir, 'src', 'intake'));

const cases = [
	{
		name: 'email shape',
		old: (text) => /^[^@]+@[^@]+\.[^@]+$/.test(text),
		now: (text) => isEmailShape(text),
		input: (size) => `a@${'.'.repeat(size)}@`,
	},
	{
		name: 'IP zone (/%.*$/)',
		old: (text) => text.replace(/%.*$/, ''),
		now: (text) => withoutZone(text),
		input: (size) => `${'%'.repeat(size)}\nx`,
	},
	{
		name: 'ClickBank trim',
		// eslint-disable-next-line no-control-regex -- the old pattern, measured
		old: (text) => text.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, ''),
		now: (text) => trimControl(text),
		input: (size) => `{${'\u0000'.repeat(size)}}`,
	},
	{
		name: 'Send Postback macro braces',
		old: (text) => text.replace(/^\{\s*|\s*\}$/g, ''),
		now: (text) => withoutBraces(text),
		input: (size) => `{payout${' '.repeat(size)}x`,
	},
	{
		name: 'decimal trailing zeros (/0+$/)',
		old: (text) => text.replace(/0+$/, ''),
		now: (text) => normalizeDecimal(`1.${text}`),
		input: (size) => `${'0'.repeat(size)}1`,
	},
];

function best(fn, input) {
	let fastest = Number.POSITIVE_INFINITY;
	for (let round = 0; round < ROUNDS; round++) {
		const started = process.hrtime.bigint();
		fn(input);
		fastest = Math.min(fastest, Number(process.hrtime.bigint() - started) / 1e6);
		if (fastest > MAX_OLD_MS) break;
	}
	return fastest;
}

const results = {};
for (const testCase of cases) {
	const rows = [];
	let skipOld = false;
	for (const size of SIZES) {
		const input = testCase.input(size);
		const oldMs = skipOld ? null : best(testCase.old, input);
		if (oldMs !== null && oldMs > MAX_OLD_MS) skipOld = true;
		const newMs = best(testCase.now, input);
		rows.push({ size, oldMs: oldMs === null ? null : round(oldMs, 2), newMs: round(newMs, 3) });
	}
	results[testCase.name] = rows;
	console.log(`\n${testCase.name}`);
	console.table(rows.map((row) => ({ 'input chars': row.size, 'old pattern ms': row.oldMs ?? 'skipped', 'rewrite ms': row.newMs })));
}

const email80k = `a@${'.'.repeat(80_000)}@`;
const intakeMs = best(
	() => receivePostback({ method: 'GET', query: { click_id: 'c-1', commission: '1', email: email80k }, headers: {} }, { network: 'custom' }),
	undefined,
);
console.log(`\nreceivePostback with an 80 kB email (refused by its length): ${round(intakeMs, 3)} ms`);

const worstNew = Math.max(...Object.values(results).flatMap((rows) => rows.map((row) => row.newMs)));
const worstOld = Math.max(...Object.values(results).flatMap((rows) => rows.map((row) => row.oldMs ?? 0)));
console.log(`worst rewrite: ${worstNew} ms; worst old pattern measured: ${worstOld} ms`);
emit('regex', { rounds: ROUNDS, sizes: SIZES, cases: results, intakeEmail80kMs: round(intakeMs, 3), worstRewriteMs: worstNew, worstOldMs: worstOld });
