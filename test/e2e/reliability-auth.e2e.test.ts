import { createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { openStore } from '../../src/store';
import { baseUrl, n8nFetch, publicApi, startWorkflow, uniqueId } from './n8n-api';
import { ExecutionReader, Markers, TRIGGER, healthy, node } from './reliability-shared';

/**
 * Inbound authentication under attack, against Postback Triggers in the real n8n, one per method: secret token
 * in the query, secret token in the path, HTTP Basic, HMAC (timestamped, with replay protection; and base64
 * without a timestamp), IP allowlist. Each attack is refused with 401/403 and a JSON reason and lands on the
 * trigger's Rejected output, never on Accepted (or n8n itself answers 404 because no webhook has that path);
 * each legitimate request passes.
 *
 * Client address: the trigger uses express's req.ip. n8n sets express's "trust proxy" only when N8N_PROXY_HOPS
 * is above 0 (default 0, as here), so req.ip is the socket's address and X-Forwarded-For, X-Real-IP or
 * Forwarded headers cannot move a caller into the allowlist.
 */
const run = uniqueId('au').replace(/[^A-Za-z0-9]/g, '');
const markers = new Markers(run);
const TOKEN = `tok-${run}-0123456789abcdef`;
const PATH_TOKEN = `ptok-${run}-fedcba9876543210`;
const USER = 'network-user';
const PASSWORD = `pw-${run}-S3cret!`;
const HMAC_SECRET = `hmac-${run}-0123456789abcdef`;
const B64_SECRET = `b64-${run}-0123456789abcdef`;
const FOREIGN_RANGE = '203.0.113.0/24';

type Trigger =
	| 'Query Token'
	| 'Path Token'
	| 'Basic'
	| 'HMAC'
	| 'HMAC base64'
	| 'IP foreign'
	| 'IP local'
	| 'Token and IP'
	| 'Empty Basic'
	| 'Empty IP list'
	| 'Secret URL';
const paths: Record<Trigger, string> = {
	'Query Token': `rel-auth-query-${run}`,
	'Path Token': `rel-auth-path-${run}`,
	Basic: `rel-auth-basic-${run}`,
	HMAC: `rel-auth-hmac-${run}`,
	'HMAC base64': `rel-auth-hmac64-${run}`,
	'IP foreign': `rel-auth-ip-${run}`,
	'IP local': `rel-auth-iplocal-${run}`,
	'Token and IP': `rel-auth-tokenip-${run}`,
	'Empty Basic': `rel-auth-emptybasic-${run}`,
	'Empty IP list': `rel-auth-emptyip-${run}`,
	'Secret URL': `rel-auth-secreturl-${run}`,
};
let reader: ExecutionReader;
/**
 * n8n serves a webhook path with a parameter (the trigger's "<path>/:secret") under the node's webhook id:
 * /webhook/<webhookId>/<path>/<secret>, the Production URL the editor shows.
 */
const pathTokenWebhookId = randomUUID();
/** The version 2 trigger's generated secret: its webhook id, which n8n puts before the path (/webhook/<id>/<path>). */
const secretUrlWebhookId = randomUUID();
const urlPath = (trigger: Trigger) =>
	trigger === 'Path Token' ? `${pathTokenWebhookId}/${paths[trigger]}` : trigger === 'Secret URL' ? `${secretUrlWebhookId}/${paths[trigger]}` : paths[trigger];

beforeAll(async () => {
	const credentials: Record<Exclude<Trigger, 'Secret URL'>, Record<string, unknown>> = {
		'Query Token': { method: 'token', token: TOKEN, placement: 'query', queryParameterName: 'key', ipAllowlist: '' },
		'Path Token': { method: 'token', token: PATH_TOKEN, placement: 'path', ipAllowlist: '' },
		Basic: { method: 'basic', user: USER, password: PASSWORD, ipAllowlist: '' },
		HMAC: {
			method: 'hmac',
			hmacSecret: HMAC_SECRET,
			hmacHeader: 'X-Postback-Signature',
			hmacEncoding: 'hex',
			hmacTimestampHeader: 'X-Postback-Timestamp',
			hmacMaxAgeSeconds: 300,
			ipAllowlist: '',
		},
		'HMAC base64': { method: 'hmac', hmacSecret: B64_SECRET, hmacHeader: 'X-Signature', hmacEncoding: 'base64', ipAllowlist: '' },
		'IP foreign': { method: 'none', ipAllowlist: FOREIGN_RANGE },
		'IP local': { method: 'none', ipAllowlist: '127.0.0.1, ::1' },
		'Token and IP': { method: 'token', token: TOKEN, placement: 'query', queryParameterName: 'key', ipAllowlist: FOREIGN_RANGE },
		// Credentials that authenticate nobody: saved through the API (which runs no credential test), refused when used.
		'Empty Basic': { method: 'basic', user: '', password: '', ipAllowlist: '' },
		'Empty IP list': { method: 'none', ipAllowlist: '' },
	};
	const nodes: unknown[] = [];
	let y = 0;
	// Version 2 with its default authentication: the generated secret URL, no credential.
	nodes.push(
		node('Secret URL', TRIGGER, 2, { network: 'custom', path: paths['Secret URL'], options: { currency: 'USD' } }, [0, 0], { webhookId: secretUrlWebhookId }),
	);
	for (const [name, data] of Object.entries(credentials) as Array<[Trigger, Record<string, unknown>]>) {
		const credential = await publicApi<{ id: string; name: string }>('POST', '/credentials', {
			name: `E2E reliability auth ${name} ${run}`,
			type: 'postbackAuthApi',
			data,
		});
		nodes.push(
			node(
				name,
				TRIGGER,
				1,
				{ network: 'custom', path: paths[name], authentication: 'postbackAuthApi', secretInPath: name === 'Path Token', options: { currency: 'USD' } },
				[0, (y += 200)],
				{
					webhookId: name === 'Path Token' ? pathTokenWebhookId : randomUUID(),
					credentials: { postbackAuthApi: { id: credential.id, name: credential.name } },
				},
			),
		);
	}
	const workflowId = await startWorkflow(
		{ name: `E2E reliability: auth attacks ${run}`, nodes, connections: {}, settings: { executionOrder: 'v1' } },
		(Object.keys(paths) as Trigger[]).map((name) => (name === 'Path Token' ? `${urlPath(name)}/probe` : urlPath(name))),
	);
	reader = new ExecutionReader(workflowId, markers);
});

/** rejected: 401/403 by authentication; unreadable: authenticated but refused (400); misconfigured: 503. */
type Expect = 'accepted' | 'rejected' | 'n8n' | 'unreadable' | 'misconfigured';
interface Attempt {
	trigger: Trigger;
	label: string;
	expect: Expect;
	marker: string;
	status: number;
	body: Record<string, unknown> | string;
	challenge: string | null;
}
const attempts: Attempt[] = [];

/** One conversion as the Custom preset reads it, carrying the attempt's marker. */
const conversion = (marker: string) => ({ click_id: `clk${run}`, commission: '5.00', currency: 'USD', transaction_id: `au-${marker}`, rel_marker: marker });
const queryOf = (marker: string, extra: Record<string, string> = {}) => new URLSearchParams({ ...conversion(marker), ...extra }).toString();
const hex = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('hex');
const b64 = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function attempt(
	trigger: Trigger,
	label: string,
	expect: Expect,
	build: (marker: string) => { url?: string; query?: string; suffix?: string; method?: string; headers?: Record<string, string>; body?: string },
	marker = markers.make(),
): Promise<Attempt> {
	const request = build(marker);
	const url = request.url ?? `${baseUrl()}/webhook/${urlPath(trigger)}${request.suffix ?? ''}?${request.query ?? queryOf(marker)}`;
	// fetch refuses a GET with a body; an attacker's client does not.
	const response =
		(request.method ?? 'GET') === 'GET' && request.body !== undefined
			? await rawRequest(url, 'GET', request.headers ?? {}, request.body)
			: await n8nFetch(url, { method: request.method ?? 'GET', headers: request.headers, body: request.body });
	const text = await response.text();
	let body: Record<string, unknown> | string = text;
	try {
		body = JSON.parse(text) as Record<string, unknown>;
	} catch {
		// not JSON
	}
	const result: Attempt = { trigger, label, expect, marker, status: response.status, body, challenge: response.headers.get('www-authenticate') };
	attempts.push(result);
	return result;
}

/** A request through node:http, which sends a body with any method. */
async function rawRequest(url: string, method: string, headers: Record<string, string>, body: string): Promise<Response> {
	return await new Promise((resolve, reject) => {
		const request = httpRequest(url, { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
			const chunks: Buffer[] = [];
			response.on('data', (chunk: Buffer) => chunks.push(chunk));
			response.on('end', () => {
				const answer = new Headers();
				for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') answer.set(name, value);
				resolve(new Response(Buffer.concat(chunks), { status: response.statusCode ?? 0, headers: answer }));
			});
		});
		request.on('error', reject);
		request.end(body);
	});
}

const now = () => Math.floor(Date.now() / 1000);
/** A timestamped, signed JSON postback for the HMAC trigger. */
const signedPost = (
	marker: string,
	options: {
		timestamp?: number;
		secret?: string;
		sign?: (payload: string) => string;
		body?: string;
		signedBody?: string;
		headers?: Record<string, string>;
	} = {},
) => {
	const body = options.body ?? JSON.stringify(conversion(marker));
	const timestamp = String(options.timestamp ?? now());
	const payload = `${timestamp}.${options.signedBody ?? body}`;
	const signature = options.sign ? options.sign(payload) : hex(options.secret ?? HMAC_SECRET, payload);
	return {
		method: 'POST',
		// Nothing in the query: the signature covers the body only, so a signed POST with query parameters is refused.
		query: '',
		headers: { 'content-type': 'application/json', 'x-postback-timestamp': timestamp, 'x-postback-signature': signature, ...options.headers },
		body,
	};
};

test('every attack on every method is refused with a reason and lands on Rejected; legitimate requests pass; replays are refused', async () => {
	// Secret token in the query (parameter "key").
	await attempt('Query Token', 'legitimate', 'accepted', (m) => ({ query: queryOf(m, { key: TOKEN }) }));
	await attempt('Query Token', 'wrong secret', 'rejected', (m) => ({ query: queryOf(m, { key: `${TOKEN}x` }) }));
	await attempt('Query Token', 'secret in other case', 'rejected', (m) => ({ query: queryOf(m, { key: TOKEN.toUpperCase() }) }));
	await attempt('Query Token', 'missing secret', 'rejected', () => ({}));
	await attempt('Query Token', 'empty secret', 'rejected', (m) => ({ query: queryOf(m, { key: '' }) }));
	await attempt('Query Token', 'secret under another parameter name', 'rejected', (m) => ({ query: queryOf(m, { token: TOKEN }) }));
	await attempt('Query Token', 'secret in a header', 'rejected', () => ({ headers: { 'x-key': TOKEN, authorization: `Bearer ${TOKEN}` } }));
	await attempt('Query Token', 'secret in a POST form body', 'rejected', (m) => ({
		method: 'POST',
		query: `rel_marker=${m}`,
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: queryOf(m, { key: TOKEN }),
	}));
	await attempt('Query Token', 'wrong secret first, right one second', 'rejected', (m) => ({ query: `${queryOf(m)}&key=nope&key=${TOKEN}` }));
	await attempt('Query Token', 'secret in the path', 'n8n', (m) => ({ suffix: `/${TOKEN}`, query: queryOf(m) }));

	// Secret token as the last path segment.
	await attempt('Path Token', 'legitimate', 'accepted', () => ({ suffix: `/${PATH_TOKEN}` }));
	await attempt('Path Token', 'wrong secret', 'rejected', () => ({ suffix: `/${PATH_TOKEN.slice(0, -1)}X` }));
	await attempt('Path Token', 'secret with a suffix', 'rejected', () => ({ suffix: `/${PATH_TOKEN}extra` }));
	await attempt('Path Token', 'secret in the query instead', 'rejected', (m) => ({ suffix: '/placeholder', query: queryOf(m, { token: PATH_TOKEN }) }));
	await attempt('Path Token', 'missing secret segment', 'n8n', () => ({}));
	await attempt('Path Token', 'missing segment, secret in the query', 'n8n', (m) => ({ query: queryOf(m, { token: PATH_TOKEN }) }));

	// HTTP Basic.
	await attempt('Basic', 'legitimate', 'accepted', () => ({ headers: { authorization: basic(USER, PASSWORD) } }));
	await attempt('Basic', 'wrong password', 'rejected', () => ({ headers: { authorization: basic(USER, `${PASSWORD}x`) } }));
	await attempt('Basic', 'wrong user', 'rejected', () => ({ headers: { authorization: basic('admin', PASSWORD) } }));
	await attempt('Basic', 'missing credentials', 'rejected', () => ({}));
	await attempt('Basic', 'password as a Bearer token', 'rejected', () => ({ headers: { authorization: `Bearer ${PASSWORD}` } }));
	await attempt('Basic', 'credentials in the query', 'rejected', (m) => ({ query: queryOf(m, { user: USER, password: PASSWORD }) }));
	await attempt('Basic', 'malformed base64', 'rejected', () => ({ headers: { authorization: 'Basic %%%not-base64%%%' } }));
	await attempt('Basic', 'no colon', 'rejected', () => ({ headers: { authorization: `Basic ${Buffer.from(`${USER}${PASSWORD}`).toString('base64')}` } }));

	// HMAC-SHA256 (hex) over "<timestamp>.<raw body>", with replay protection.
	// The accepted POST, kept byte for byte to be replayed below.
	const postMarker = markers.make();
	const originalPost = signedPost(postMarker);
	await attempt('HMAC', 'legitimate POST', 'accepted', () => originalPost, postMarker);
	await attempt('HMAC', 'bad signature', 'rejected', (m) => signedPost(m, { sign: () => 'ab'.repeat(32) }));
	await attempt('HMAC', 'signature of a different body', 'rejected', (m) =>
		signedPost(m, { signedBody: JSON.stringify({ ...conversion(m), commission: '500.00' }) }),
	);
	await attempt('HMAC', 'signature in base64 where hex is configured', 'rejected', (m) => signedPost(m, { sign: (payload) => b64(HMAC_SECRET, payload) }));
	await attempt('HMAC', 'signature made with another secret', 'rejected', (m) => signedPost(m, { secret: 'not-the-secret-0123456789' }));
	await attempt('HMAC', 'missing signature', 'rejected', (m) => {
		const request = signedPost(m);
		delete (request.headers as Record<string, string>)['x-postback-signature'];
		return request;
	});
	await attempt('HMAC', 'missing timestamp', 'rejected', (m) => {
		const request = signedPost(m);
		delete (request.headers as Record<string, string>)['x-postback-timestamp'];
		return request;
	});
	await attempt('HMAC', 'timestamp an hour old, correctly signed', 'rejected', (m) => signedPost(m, { timestamp: now() - 3600 }));
	await attempt('HMAC', 'timestamp an hour ahead, correctly signed', 'rejected', (m) => signedPost(m, { timestamp: now() + 3600 }));
	await attempt('HMAC', 'fresh timestamp on an old signature', 'rejected', (m) => {
		const old = signedPost(m, { timestamp: now() - 3600 });
		return { ...old, headers: { ...old.headers, 'x-postback-timestamp': String(now()) } };
	});
	await attempt('HMAC', 'signature of the body alone (no timestamp)', 'rejected', (m) => {
		const request = signedPost(m);
		return { ...request, headers: { ...request.headers, 'x-postback-signature': hex(HMAC_SECRET, request.body) } };
	});
	const getQuery = (m: string) => queryOf(m);
	const getTimestamp = String(now());
	const signedGet = (m: string) => ({
		query: getQuery(m),
		headers: { 'x-postback-timestamp': getTimestamp, 'x-postback-signature': hex(HMAC_SECRET, `${getTimestamp}.${getQuery(m)}`) },
	});
	const getOriginal = await attempt('HMAC', 'legitimate GET (signed query string)', 'accepted', signedGet);

	// Replays: the accepted POST and GET, sent again exactly as before (same timestamp, same signature), within the max age.
	await attempt('HMAC', 'replayed POST', 'rejected', () => originalPost, postMarker);
	await attempt('HMAC', 'replayed GET', 'rejected', signedGet, getOriginal.marker);

	// The memory of used signatures is the tracking store's SQLite file, shared by every process that opens it: a
	// signature this test process (standing in for another n8n process) claims first is refused by n8n as a replay.
	const elsewhereMarker = markers.make();
	const usedElsewhere = signedPost(elsewhereMarker);
	const store = await openStore({ kind: 'sqlite', path: join(process.env.E2E_N8N_USER_FOLDER ?? '', '.n8n', 'postback-tracking.sqlite') });
	try {
		expect(await store.claimConversion({ network: 'auth-replay', transactionId: usedElsewhere.headers['x-postback-signature'], eventName: 'hmac' })).toBe(
			'first',
		);
		// And the signatures n8n accepted above are in that same memory.
		expect(await store.claimConversion({ network: 'auth-replay', transactionId: originalPost.headers['x-postback-signature'], eventName: 'hmac' })).toBe(
			'duplicate',
		);
	} finally {
		await store.close();
	}
	await attempt('HMAC', 'signature already used by another process', 'rejected', () => usedElsewhere, elsewhereMarker);

	// HMAC (base64), no timestamp configured: plain signatures still work as before.
	const b64Post = (m: string, sign: (payload: string) => string, signedBody?: string) => {
		const body = JSON.stringify(conversion(m));
		return { method: 'POST', query: '', headers: { 'content-type': 'application/json', 'x-signature': sign(signedBody ?? body) }, body };
	};
	await attempt('HMAC base64', 'legitimate', 'accepted', (m) => b64Post(m, (payload) => b64(B64_SECRET, payload)));
	await attempt('HMAC base64', 'hex where base64 is configured', 'rejected', (m) => b64Post(m, (payload) => hex(B64_SECRET, payload)));
	await attempt('HMAC base64', 'signature of a different body', 'rejected', (m) =>
		b64Post(m, (payload) => b64(B64_SECRET, payload), '{"click_id":"other","commission":"1"}'),
	);
	await attempt('HMAC base64', 'signature in the query', 'rejected', (m) => {
		const request = b64Post(m, (payload) => b64(B64_SECRET, payload));
		return {
			...request,
			query: `rel_marker=${m}&x-signature=${encodeURIComponent(request.headers['x-signature'])}`,
			headers: { 'content-type': 'application/json' },
		};
	});

	// HMAC covers everything that is read: an unsigned query parameter cannot ride along with a signed body, and a
	// GET (signed over its query) cannot carry a body that would override a signed field.
	await attempt('HMAC', 'unsigned query parameter overriding a signed body field', 'rejected', (m) => ({
		...signedPost(m),
		query: `commission=9999&rel_marker=${m}`,
	}));
	await attempt('HMAC base64', 'unsigned query parameter added to a signed body', 'rejected', (m) => ({
		...b64Post(m, (payload) => b64(B64_SECRET, payload)),
		query: `affiliate_id=attacker&rel_marker=${m}`,
	}));
	await attempt('HMAC', 'signed GET with a body overriding a signed field', 'unreadable', (m) => ({
		...signedGet(m),
		headers: { ...signedGet(m).headers, 'content-type': 'application/json' },
		body: JSON.stringify({ commission: '9999', rel_marker: m }),
	}));

	// Credentials that authenticate nobody: the trigger refuses to run with them (503), keeping the postback.
	await attempt('Empty Basic', 'empty user and password, sent empty', 'misconfigured', () => ({ headers: { authorization: basic('', '') } }));
	await attempt('Empty IP list', 'IP Allowlist Only without entries', 'misconfigured', () => ({}));

	// Version 2's default: the URL carries the node's generated secret (its webhook id); without it there is no webhook.
	await attempt('Secret URL', 'legitimate (the Production URL)', 'accepted', () => ({}));
	await attempt('Secret URL', 'bare path without the secret', 'n8n', (m) => ({ url: `${baseUrl()}/webhook/${paths['Secret URL']}?${queryOf(m)}` }));
	await attempt('Secret URL', 'another webhook id', 'n8n', (m) => ({ url: `${baseUrl()}/webhook/${randomUUID()}/${paths['Secret URL']}?${queryOf(m)}` }));

	// An unauthenticated 150 kB body: refused, and its Rejected item carries an excerpt, not the body.
	const bigMarker = markers.make();
	await attempt(
		'Query Token',
		'150 kB body without the secret',
		'rejected',
		(m) => ({
			method: 'POST',
			query: '',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ rel_marker: m, padding: 'x'.repeat(150_000) }),
		}),
		bigMarker,
	);

	// IP allowlist: n8n sees 127.0.0.1; forwarding headers must not stand in for the socket address.
	await attempt('IP foreign', 'caller outside the allowlist', 'rejected', () => ({}));
	await attempt('IP foreign', 'X-Forwarded-For from the allowlist', 'rejected', () => ({ headers: { 'x-forwarded-for': '203.0.113.9' } }));
	await attempt('IP foreign', 'X-Forwarded-For chain', 'rejected', () => ({ headers: { 'x-forwarded-for': '203.0.113.9, 203.0.113.10' } }));
	await attempt('IP foreign', 'X-Real-IP and Forwarded', 'rejected', () => ({
		headers: { 'x-real-ip': '203.0.113.9', forwarded: 'for=203.0.113.9;proto=https', 'x-client-ip': '203.0.113.9' },
	}));
	await attempt('IP local', 'legitimate (127.0.0.1 allowed)', 'accepted', () => ({}));
	await attempt('IP local', 'legitimate, with a foreign X-Forwarded-For (ignored)', 'accepted', () => ({ headers: { 'x-forwarded-for': '198.51.100.1' } }));
	await attempt('Token and IP', 'right token from outside the allowlist', 'rejected', (m) => ({ query: queryOf(m, { key: TOKEN }) }));
	await attempt('Token and IP', 'right token, spoofed X-Forwarded-For', 'rejected', (m) => ({
		query: queryOf(m, { key: TOKEN }),
		headers: { 'x-forwarded-for': '203.0.113.9' },
	}));

	// Answers: legitimate → 200; attacks → 401/403 with a JSON reason (Basic with its challenge); n8n → 404.
	const wrongAnswers: string[] = [];
	for (const a of attempts) {
		const error = typeof a.body === 'object' ? (a.body.error as { code?: string; message?: string } | undefined) : undefined;
		const ok =
			a.expect === 'accepted'
				? a.status === 200 && typeof a.body === 'object' && a.body.ok === true
				: a.expect === 'unreadable' || a.expect === 'misconfigured'
					? a.status === (a.expect === 'unreadable' ? 400 : 503) &&
						typeof a.body === 'object' &&
						a.body.ok === false &&
						error?.code === (a.expect === 'unreadable' ? 'invalid_body' : 'misconfigured')
					: a.expect === 'n8n'
						? a.status === 404 && !(typeof a.body === 'object' && 'ok' in a.body)
						: [401, 403].includes(a.status) &&
							typeof a.body === 'object' &&
							a.body.ok === false &&
							['unauthorized', 'forbidden'].includes(String(error?.code)) &&
							typeof error?.message === 'string' &&
							(a.trigger !== 'Basic' || a.challenge === 'Basic realm="postback"') &&
							(!a.trigger.startsWith('IP') && a.trigger !== 'Token and IP' ? a.status === 401 : a.status === 403);
		if (!ok) wrongAnswers.push(`${a.trigger} / ${a.label}: ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`);
	}
	expect(wrongAnswers).toEqual([]);

	// Outputs: each attack on Rejected, never on Accepted; each legitimate request on Accepted once.
	const reachWorkflow = attempts.filter((a) => a.expect !== 'n8n');
	const expectedSightings = reachWorkflow.length;
	const sightings = await reader.waitUntil(
		(found) => [...found.values()].reduce((sum, list) => sum + list.filter((s) => s.node in paths).length, 0) >= expectedSightings,
		60000,
	);
	const misplaced: string[] = [];
	let accepted = 0;
	let rejected = 0;
	let refusedByN8n = 0;
	for (const a of attempts) {
		const outputs = (sightings.get(a.marker) ?? [])
			.filter((s) => s.node === a.trigger)
			.map((s) => s.output)
			.sort();
		if (a.expect === 'n8n') {
			refusedByN8n += 1;
			if ((sightings.get(a.marker) ?? []).length > 0) misplaced.push(`${a.trigger} / ${a.label}: refused by n8n but found in an execution`);
			continue;
		}
		if (a.expect === 'accepted') accepted += 1;
		else rejected += 1;
		// A replay shares its marker with the accepted original: that marker is on Accepted once and Rejected once.
		const replayed = attempts.filter((other) => other.marker === a.marker);
		const wanted = replayed.map((other) => (other.expect === 'accepted' ? 0 : 1)).sort();
		if (JSON.stringify(outputs) !== JSON.stringify(wanted))
			misplaced.push(`${a.trigger} / ${a.label}: outputs ${JSON.stringify(outputs)}, wanted ${JSON.stringify(wanted)}`);
	}
	const rejectedItems = reader
		.executions()
		.flatMap((execution) =>
			Object.values(
				(execution.data?.resultData?.runData ?? {}) as Record<string, Array<{ data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> } }>>,
			),
		)
		.flatMap((runs) => runs[0]?.data?.main?.[1] ?? [])
		// Only this test's requests (startWorkflow's probes also reach the triggers).
		.filter((item) => markers.find(JSON.stringify(item.json)).length > 0);
	for (const item of rejectedItems) {
		expect([401, 403, 400, 503]).toContain(item.json.httpStatus);
		expect(['unauthorized', 'forbidden', 'invalid_body', 'misconfigured']).toContain((item.json.reason as { code?: string }).code);
	}
	// The 150 kB unauthenticated body reached the workflow as a capped excerpt with its size and hash.
	const big = rejectedItems.find((item) => JSON.stringify(item.json).includes(bigMarker));
	expect(big?.json.request).toMatchObject({ bodyTruncated: true, bodyBytes: expect.any(Number), bodySha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
	expect(JSON.stringify(big?.json).length).toBeLessThan(4096);
	// And accepted conversions say how they were authenticated.
	const acceptedItems = reader
		.executions()
		.flatMap((execution) =>
			Object.entries(
				(execution.data?.resultData?.runData ?? {}) as Record<string, Array<{ data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> } }>>,
			),
		)
		.flatMap(([name, runs]) => (runs[0]?.data?.main?.[0] ?? []).map((item) => [name, item.json.authentication] as const))
		.filter(([name]) => name in paths);
	const methodsSeen = Object.fromEntries(acceptedItems);
	expect(methodsSeen).toMatchObject({
		'Query Token': 'token',
		'Path Token': 'token',
		Basic: 'basic',
		HMAC: 'hmac',
		'HMAC base64': 'hmac',
		'IP local': 'ip_allowlist',
		'Secret URL': 'token',
	});
	process.stderr.write(
		`\n[reliability-auth] sent ${attempts.length}: accepted ${accepted}, rejected by the trigger ${rejected} (401: ${attempts.filter((a) => a.status === 401).length}, 403: ${attempts.filter((a) => a.status === 403).length}), refused by n8n (404, no such webhook path) ${refusedByN8n}\n` +
			attempts
				.map(
					(a) =>
						`  ${a.trigger} / ${a.label}: ${a.status} ${a.expect === 'n8n' ? '(n8n: no such webhook)' : typeof a.body === 'object' ? JSON.stringify((a.body.error as { message?: string } | undefined)?.message ?? 'ok') : ''}`,
				)
				.join('\n') +
			'\n',
	);
	expect(misplaced).toEqual([]);
	expect(accepted + rejected + refusedByN8n).toBe(attempts.length);
	expect(rejectedItems).toHaveLength(rejected);
	expect(attempts.find((a) => a.label === 'replayed POST')?.body).toMatchObject({ error: { message: expect.stringMatching(/already used/) } });
	expect(await healthy()).toBe(true);
});
