// User-data hashes per second: our Meta normalize+hash (src/identity) against the official Meta SDK's
// (facebook-nodejs-business-sdk ServerSideUtils.normalizeAndHash, the call its UserData.normalize() makes for every
// value) on the same generated corpus (test/unit/identity/corpus.cjs: emails, phones, names, cities, states, zips,
// countries written the ways real exports write them). Only values the SDK accepts are timed, so both sides do
// the same work; the ratio is ours / SDK, per field and overall.
//
// It runs the engine transpiled from src/ (test/store/compile-src.cjs → .cache/store-build/<hash>), so no
// `npm run build` is needed and the numbers are never from a stale dist/. Knobs: BENCH_ROUNDS (default 7; the
// best round counts), BENCH_SEED (corpus seed).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { emit } from './lib/emit.mjs';

const require = createRequire(import.meta.url);
const { compileSources } = require('../test/store/compile-src.cjs');
const { makeCorpus } = require('../test/unit/identity/corpus.cjs');
const { ServerSideUtils, UserData } = require('facebook-nodejs-business-sdk');

const ROUNDS = Number(process.env.BENCH_ROUNDS || 7);
const SEED = Number(process.env.BENCH_SEED || 20240501);
const SDK_KEYS = { email: 'em', phone: 'ph', first_name: 'fn', last_name: 'ln', city: 'ct', state: 'st', zip: 'zp', country: 'country' };
const SDK_SETTERS = {
	email: 'setEmail',
	phone: 'setPhone',
	first_name: 'setFirstName',
	last_name: 'setLastName',
	city: 'setCity',
	state: 'setState',
	zip: 'setZip',
	country: 'setCountry',
};
const GROUPS = {
	email: 'email',
	phone: 'phone',
	first_name: 'names',
	last_name: 'names',
	city: 'address',
	state: 'address',
	zip: 'address',
	country: 'address',
};

const buildDir = compileSources();
const { normalizeAndHash } = require(join(buildDir, 'src', 'destinations', 'user-data'));

function sdkAccepts(record) {
	try {
		return ServerSideUtils.normalizeAndHash(record.value, SDK_KEYS[record.field]) !== null;
	} catch {
		return false;
	}
}

const corpus = makeCorpus(SEED).filter((record) => SDK_KEYS[record.field]);
const accepted = corpus
	.filter(sdkAccepts)
	.map((record) => ({ ...record, key: SDK_KEYS[record.field], options: record.defaultCountry ? { defaultCountry: record.defaultCountry } : undefined }));

const ours = (records) => {
	let sink = 0;
	for (const record of records) sink += normalizeAndHash('meta', record.field, record.value, record.options)?.length ?? 0;
	return sink;
};
const sdk = (records) => {
	let sink = 0;
	for (const record of records) sink += ServerSideUtils.normalizeAndHash(record.value, record.key).length;
	return sink;
};
const sdkUserData = (records) => {
	let sink = 0;
	for (const record of records) sink += new UserData()[SDK_SETTERS[record.field]](record.value).normalize()[record.key][0].length;
	return sink;
};

/** Best of ROUNDS runs, the contenders interleaved round by round so drift hits them alike; values per second. */
function race(records, contenders) {
	const best = contenders.map(() => Infinity);
	for (const run of contenders) run(records.slice(0, 500)); // warm-up
	for (let round = 0; round < ROUNDS; round++) {
		contenders.forEach((run, index) => {
			const start = process.hrtime.bigint();
			run(records);
			best[index] = Math.min(best[index], Number(process.hrtime.bigint() - start) / 1e9);
		});
	}
	return best.map((seconds) => records.length / seconds);
}

const fmt = (perSecond) => `${Math.round(perSecond).toLocaleString('en-US')}/s`;
const rows = [];
const figures = {};
const groups = [...new Set(Object.values(GROUPS))];
for (const group of [...groups, 'all']) {
	const records = group === 'all' ? accepted : accepted.filter((record) => GROUPS[record.field] === group);
	const [oursRate, sdkRate, userDataRate] = race(records, [ours, sdk, sdkUserData]);
	rows.push([
		group,
		String(records.length),
		fmt(oursRate),
		fmt(sdkRate),
		fmt(userDataRate),
		`${(oursRate / sdkRate).toFixed(2)}×`,
		`${(oursRate / userDataRate).toFixed(2)}×`,
	]);
	figures[group] = {
		values: records.length,
		oursPerSecond: Math.round(oursRate),
		sdkPerSecond: Math.round(sdkRate),
		sdkUserDataPerSecond: Math.round(userDataRate),
		oursVsSdk: Number((oursRate / sdkRate).toFixed(3)),
		oursVsSdkUserData: Number((oursRate / userDataRate).toFixed(3)),
	};
}

const header = ['values', 'count', 'ours (meta)', 'SDK normalizeAndHash', 'SDK UserData.normalize', 'ours / SDK', 'ours / UserData'];
const widths = header.map((_, column) => Math.max(...[header, ...rows].map((line) => line[column].length)));
const render = (line) => `| ${line.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
console.log(
	`node ${process.version}; corpus seed ${SEED}: ${corpus.length} values, ${accepted.length} accepted by the SDK and timed; best of ${ROUNDS} rounds`,
);
console.log(render(header));
console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
for (const line of rows) console.log(render(line));
const all = rows[rows.length - 1];
console.log(`\nOur Meta normalize+hash runs at ${all[5]} the official SDK's normalize+hash path (${all[2]} vs ${all[3]} values per second, one core).`);
const slowest = rows.slice(0, -1).reduce((worst, row) => (parseFloat(row[5]) < parseFloat(worst[5]) ? row : worst));
console.log(
	`Slowest against the SDK: ${slowest[0]} (${slowest[5]}).${slowest[0] === 'phone' ? ' libphonenumber-js parses each number against its country metadata, where the SDK only strips characters (and so cannot add a missing country code).' : ''}`,
);
emit('identity', { seed: SEED, rounds: ROUNDS, corpus: corpus.length, timed: accepted.length, byGroup: figures, hashVsMetaSdk: figures.all.oursVsSdk });
