// Summarizes a V8 .cpuprofile written by n8n (BENCH_N8N_CPU_PROF=<dir> npm run bench -- n8n): where the main
// process's CPU time went, by area (self time), and how much ran inside this package's code (inclusive: any
// sample with one of its frames on the stack), per entry point.
//
//   node bench/lib/profile-summary.mjs <file.cpuprofile> [executions]
import { readFileSync } from 'node:fs';

const [file, executionsArg, windowsFile, key] = process.argv.slice(2);
if (!file) {
	console.error('usage: node bench/lib/profile-summary.mjs <file.cpuprofile> [executions] [windows.json workflow-key]');
	process.exit(2);
}
let executions = Number(executionsArg || 0);
const profile = JSON.parse(readFileSync(file, 'utf8'));
// With windows.json (written by n8n.bench.mjs beside the profile) and a workflow key: only the samples taken
// while that workflow's measured runs were under way (the profile's clock is the same monotonic clock).
if (windowsFile && key) {
	const windows = JSON.parse(readFileSync(windowsFile, 'utf8')).filter((window) => window.key === key);
	if (windows.length === 0) throw new Error(`no windows for ${key}`);
	executions = windows.reduce((sum, window) => sum + window.count, 0);
	let at = profile.startTime;
	const kept = [];
	const keptDeltas = [];
	profile.samples.forEach((sample, index) => {
		at += profile.timeDeltas[index];
		if (windows.some((window) => at >= window.startUs && at <= window.endUs)) {
			kept.push(sample);
			keptDeltas.push(profile.timeDeltas[index]);
		}
	});
	const span = keptDeltas.reduce((sum, delta) => sum + delta, 0);
	profile.samples = kept;
	profile.timeDeltas = keptDeltas;
	profile.startTime = 0;
	profile.endTime = span;
	console.log(`${key}: ${windows.length} run(s), ${executions} executions, ${kept.length} samples`);
}
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const AREAS = [
	['this package: store (node:sqlite)', (url) => /n8n-nodes-postback\/dist\/src\/store/.test(url)],
	['this package: libphonenumber/zod (vendored)', (url) => /n8n-nodes-postback\/dist\/vendor/.test(url)],
	['this package: src/', (url) => /n8n-nodes-postback\/dist\/src/.test(url)],
	['this package: nodes/', (url) => /n8n-nodes-postback\/dist\/nodes/.test(url)],
	[
		'axios / follow-redirects / proxy agents',
		(url) => /node_modules\/(axios|follow-redirects|proxy-from-env|https?-proxy-agent|agent-base|form-data)\//.test(url),
	],
	['typeorm / sqlite3 (n8n DB)', (url) => /node_modules\/(@n8n\/typeorm|typeorm|sqlite3)\//.test(url)],
	['n8n-core', (url) => /node_modules\/n8n-core\//.test(url)],
	['n8n-workflow', (url) => /node_modules\/n8n-workflow\//.test(url)],
	['n8n (cli)', (url) => /node_modules\/n8n\/dist\//.test(url)],
	['@n8n/*', (url) => /node_modules\/@n8n\//.test(url)],
	[
		'express / body-parser / http deps',
		(url) =>
			/node_modules\/(express|body-parser|raw-body|router|finalhandler|send|qs|iconv-lite|on-finished|type-is|compression|helmet|cookie-parser)\//.test(url),
	],
	['other node_modules', (url) => /node_modules\//.test(url)],
	['node internals', (url) => url.startsWith('node:') || url === ''],
];

const sampleMs = (profile.endTime - profile.startTime) / 1000 / profile.samples.length;
const selfByArea = new Map();
const inclusive = new Map();
let total = 0;
let busy = 0;
let insidePackage = 0;
for (const id of profile.samples) {
	const leaf = byId.get(id);
	total += 1;
	const name = leaf.callFrame.functionName;
	if (name === '(idle)' || name === '(program)') {
		selfByArea.set(name, (selfByArea.get(name) ?? 0) + 1);
		continue;
	}
	busy += 1;
	const url = leaf.callFrame.url;
	const area = name === '(garbage collector)' ? '(garbage collector)' : (AREAS.find(([, test]) => test(url))?.[0] ?? 'other');
	selfByArea.set(area, (selfByArea.get(area) ?? 0) + 1);
	// Inclusive: every distinct package frame (function@file) on this sample's stack.
	const seen = new Set();
	let inside = false;
	for (let at = id; at !== undefined; at = parent.get(at)) {
		const frame = byId.get(at).callFrame;
		if (!/n8n-nodes-postback\/dist\//.test(frame.url)) continue;
		inside = true;
		const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/.*n8n-nodes-postback\/dist\//, '')}:${frame.lineNumber + 1}`;
		if (seen.has(key)) continue;
		seen.add(key);
		inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
	}
	if (inside) insidePackage += 1;
}
const ms = (samples) => samples * sampleMs;
const per = (samples) => (executions ? ` ${(ms(samples) / executions).toFixed(2)} ms/execution` : '');
console.log(
	`${file}: ${(ms(total) / 1000).toFixed(1)} s profiled, ${(ms(busy) / 1000).toFixed(1)} s busy${executions ? ` over ${executions} executions` : ''}`,
);
console.log('\nself time by area (busy samples):');
for (const [area, samples] of [...selfByArea].sort((a, b) => b[1] - a[1])) {
	if (area === '(idle)') continue;
	console.log(`  ${area.padEnd(48)} ${(ms(samples) / 1000).toFixed(2).padStart(7)} s ${((samples / busy) * 100).toFixed(1).padStart(5)} %${per(samples)}`);
}
console.log(
	`\ninside this package (any of its frames on the stack): ${(ms(insidePackage) / 1000).toFixed(2)} s, ${((insidePackage / busy) * 100).toFixed(1)} % of busy${per(insidePackage)}`,
);
console.log('top package frames, inclusive:');
for (const [key, samples] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
	console.log(`  ${((samples / busy) * 100).toFixed(1).padStart(5)} %${per(samples).padEnd(22)} ${key}`);
}

// The heaviest functions by self time, whatever their area.
const selfByFunction = new Map();
for (const id of profile.samples) {
	const frame = byId.get(id).callFrame;
	if (frame.functionName === '(idle)') continue;
	const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/.*node_modules\//, '')}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
	selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + 1);
}
console.log('\ntop functions, self time:');
for (const [key, samples] of [...selfByFunction].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
	console.log(`  ${((samples / busy) * 100).toFixed(1).padStart(5)} %${per(samples).padEnd(22)} ${key}`);
}
