// The load generator and the CPU meter shared by the real-n8n benches (n8n.bench.mjs, queue.bench.mjs).
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';

export function percentile(sorted, p) {
	if (sorted.length === 0) return null;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Sends `count` POSTs to `url` with at most `concurrency` outstanding (keep-alive sockets); latencies in ms. */
export async function load(url, count, concurrency, bodyFor) {
	const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
	const target = new URL(url);
	const latencies = [];
	const statuses = {};
	let next = 0;
	const one = (body) =>
		new Promise((resolve, reject) => {
			const started = process.hrtime.bigint();
			const req = httpRequest(
				{
					agent,
					host: target.hostname,
					port: target.port,
					path: target.pathname,
					method: 'POST',
					headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
				},
				(res) => {
					res.resume();
					res.on('end', () => {
						latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
						statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
						resolve();
					});
				},
			);
			req.on('error', reject);
			req.end(body);
		});
	const worker = async () => {
		while (next < count) {
			const index = next++;
			let attempt = 0;
			for (;;) {
				try {
					await one(bodyFor(index));
					break;
				} catch (error) {
					// A kept-alive socket n8n had just closed: the request never reached it.
					if (++attempt >= 3) throw error;
				}
			}
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	agent.destroy();
	return { latencies, statuses };
}

/** CPU seconds (user + system) of processes and all their descendants, from /proc (Linux): roots is a pid or a list. */
export function treeCpuSeconds(roots) {
	const rootSet = new Set(Array.isArray(roots) ? roots : [roots]);
	const tick = 100; // USER_HZ on Linux
	const parents = new Map();
	const cpu = new Map();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			parents.set(Number(entry), Number(fields[1]));
			cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / tick);
		} catch {
			// gone
		}
	}
	let total = 0;
	const byRole = { n8n: 0, children: 0 };
	for (const [pid, seconds] of cpu) {
		let at = pid;
		while (at && !rootSet.has(at) && parents.has(at)) at = parents.get(at);
		if (!rootSet.has(at)) continue;
		total += seconds;
		if (rootSet.has(pid)) byRole.n8n += seconds;
		else byRole.children += seconds;
	}
	return { total, ...byRole };
}
