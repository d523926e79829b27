import { createHmac } from 'node:crypto';
import { conversionSchema } from '../../src/model';
import {
	ACCEPTED_NODE,
	CollectNode,
	REJECTED_NODE,
	TRIGGER_NAME,
	deliverPostback,
	removeN8nUserFolder,
	TRIGGER_WEBHOOK_ID,
	buildWorkflowData,
	getNodeWebhooks,
	nodeTypes,
	testCredential,
	type PostbackRun,
} from './harness';
import { Workflow, resolveWebhookDescriptionField } from 'n8n-workflow';
import { createCipheriv, randomBytes } from 'node:crypto';
import { insKey } from '../../src/networks/clickbank';
import { REJECTED_BODY_LIMITS } from '../../src/intake';
import { PostbackTrigger } from '../../nodes/PostbackTrigger/PostbackTrigger.node';
import { SHAREASALE_CONVERSION_PAYLOAD } from '../fixtures/seed-payloads';

/** ShareASale's documented conversion payload (AnyTrack's ShareASale article). */
const PAYLOAD: Record<string, string> = { ...SHAREASALE_CONVERSION_PAYLOAD };
const CLICK_ID = 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr';
const TOKEN = 'k3J9qv7Xw2LmP8rT5yZa';
const HMAC_SECRET = 'hmac-secret-0123456789abcdef';

const shareasale = { parameters: { network: 'shareasale', path: 'shareasale' } };
const form = (values: Record<string, string>) => new URLSearchParams(values).toString();

/** The seed's conversion as the trigger must emit it, however it travelled. */
const SEED_CONVERSION = {
	network: 'shareasale',
	clickId: CLICK_ID,
	transactionId: '198198598',
	orderId: '2617207',
	merchantId: '87575',
	networkEventType: 'SALE',
	status: 'approved',
	amount: '79',
	commission: '39.5',
	currency: 'USD',
	occurredAt: '2023-05-21T00:57:45.000Z',
};

/**
 * The node's own return value and what the engine made of it. WorkflowExecute re-stamps the lineage of
 * every input item (`addPairedItemLineage`), so in the run data the trigger's second output carries
 * `{ item: 0, input: 1 }` although the node returned `{ item: 0 }`; the server records the same.
 */
function expectOnlyOn(result: PostbackRun, output: 'accepted' | 'rejected') {
	const index = output === 'accepted' ? 0 : 1;
	const other = output === 'accepted' ? 'rejected' : 'accepted';
	expect(result.webhookResult.noWebhookResponse).toBe(true);
	const returned = result.webhookResult.workflowData!;
	expect(returned).toHaveLength(2);
	expect(returned[index]).toHaveLength(1);
	expect(returned[1 - index]).toHaveLength(0);
	expect(returned[index][0].pairedItem).toEqual({ item: 0 });

	expect(result.run?.status).toBe('success');
	expect(result[output]).toHaveLength(1);
	expect(result[other]).toHaveLength(0);
	expect(result[output][0].json).toEqual(returned[index][0].json);
	expect(result[output][0].pairedItem).toEqual(index === 0 ? { item: 0 } : { item: 0, input: 1 });

	// The engine carried the item through that output into the node connected there, and only there.
	const downstream = result.downstream[output]!;
	expect(downstream).toHaveLength(1);
	expect(downstream[0].json).toEqual(returned[index][0].json);
	expect(downstream[0].pairedItem).toEqual({ item: 0 });
	expect(result.downstream[other]).toBeUndefined();
	const executed = result.hookCalls.filter((call) => call.startsWith('nodeExecuteAfter:')).map((call) => call.slice('nodeExecuteAfter:'.length));
	expect(executed).toEqual([TRIGGER_NAME, output === 'accepted' ? ACCEPTED_NODE : REJECTED_NODE]);
	return result[output][0];
}

const expectAcceptedOnly = (result: PostbackRun) => expectOnlyOn(result, 'accepted');
const expectRejectedOnly = (result: PostbackRun) => expectOnlyOn(result, 'rejected');

beforeEach(() => {
	CollectNode.seen = [];
});

afterAll(() => {
	removeN8nUserFolder();
});

describe('Postback Trigger inside n8n-core (WebhookContext + WorkflowExecute)', () => {
	test('registers GET and POST on the path from its parameters', async () => {
		const result = await deliverPostback(shareasale, { method: 'GET', query: PAYLOAD });
		expect(result.webhook).toMatchObject({ httpMethod: 'GET', path: 'shareasale', node: TRIGGER_NAME });
		expect(result.webhook.webhookId).toBeUndefined();
	});

	test('ShareASale GET postback from the seed: 200 answer, one conversion on Accepted reaching the next node', async () => {
		const result = await deliverPostback(shareasale, { method: 'GET', query: PAYLOAD });

		expect(result.response.statusCode).toBe(200);
		expect(result.response.headers['content-type']).toMatch(/^application\/json/);
		expect(result.response.body).toEqual({ ok: true, network: 'ShareASale', clickId: CLICK_ID, transactionId: '198198598' });

		const item = expectAcceptedOnly(result);
		expect(item.json).toMatchObject(SEED_CONVERSION);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(conversionSchema.safeParse(item.json).success).toBe(true);
		expect(item.json.raw).toMatchObject({ method: 'GET', query: PAYLOAD });

		expect(CollectNode.seen.map((entry) => entry.node)).toEqual([ACCEPTED_NODE]);
		expect(result.hookCalls).toEqual([
			'workflowExecuteBefore',
			`nodeExecuteBefore:${TRIGGER_NAME}`,
			`nodeExecuteAfter:${TRIGGER_NAME}`,
			`nodeExecuteBefore:${ACCEPTED_NODE}`,
			`nodeExecuteAfter:${ACCEPTED_NODE}`,
			'workflowExecuteAfter',
		]);
	});

	test('ShareASale POST form postback from the seed: the same conversion, body as received kept', async () => {
		const body = form(PAYLOAD);
		const result = await deliverPostback(shareasale, { method: 'POST', body, contentType: 'application/x-www-form-urlencoded' });

		expect(result.request.body).toEqual(PAYLOAD); // n8n's body parser turned the form into fields
		expect(result.response.statusCode).toBe(200);
		expect(result.response.body).toMatchObject({ ok: true, clickId: CLICK_ID });

		const item = expectAcceptedOnly(result);
		expect(item.json).toMatchObject(SEED_CONVERSION);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect((item.json.raw as { method: string }).method).toBe('POST');
		expect(CollectNode.seen).toHaveLength(1);
		expect(CollectNode.seen[0].items[0].json).toMatchObject({ clickId: CLICK_ID, transactionId: '198198598' });
	});

	test('a postback without the click id: 400 JSON answer and one item on Rejected with the raw request', async () => {
		const { afftrack: _dropped, ...withoutClickId } = PAYLOAD;
		const result = await deliverPostback(shareasale, { method: 'GET', query: withoutClickId, headers: { 'X-Trace': 'abc' } });

		expect(result.response.statusCode).toBe(400);
		expect(result.response.headers['content-type']).toMatch(/^application\/json/);
		expect(result.response.body).toMatchObject({ ok: false, error: { code: 'missing_click_id' } });

		const item = expectRejectedOnly(result);
		expect(item.json).toMatchObject({
			network: 'shareasale',
			httpStatus: 400,
			reason: { code: 'missing_click_id', field: 'afftrack' },
			request: { method: 'GET', query: withoutClickId, ip: '203.0.113.10' },
		});
		expect((item.json.request as { headers: Record<string, string> }).headers['x-trace']).toBe('abc');
		expect(CollectNode.seen.map((entry) => entry.node)).toEqual([REJECTED_NODE]);
	});

	test('an unreplaced macro counts as a missing click id', async () => {
		const result = await deliverPostback(shareasale, { method: 'GET', query: { ...PAYLOAD, afftrack: '!!afftrack!!' } });
		expect(result.response.statusCode).toBe(400);
		expect(expectRejectedOnly(result).json).toMatchObject({ reason: { code: 'missing_click_id' } });
	});

	test('rejectStatus option 422 changes the answer and the recorded status', async () => {
		const { afftrack: _dropped, ...withoutClickId } = PAYLOAD;
		const result = await deliverPostback(
			{ parameters: { ...shareasale.parameters, options: { rejectStatus: 422 } } },
			{ method: 'GET', query: withoutClickId },
		);
		expect(result.response.statusCode).toBe(422);
		expect(expectRejectedOnly(result).json).toMatchObject({ httpStatus: 422, reason: { code: 'missing_click_id' } });
	});

	describe('Custom network', () => {
		const customWithMap = {
			parameters: {
				network: 'custom',
				path: 'custom',
				customFieldMap: {
					mapping: [
						{ param: 'click_id', source: 'data.tracking.subid' },
						{ param: 'commission', source: 'data.payout' },
						{ param: 'transaction_id', source: 'id' },
					],
				},
			},
		};

		test('customFieldMap reads the click id from a nested JSON path', async () => {
			const body = { id: 'evt-7781', data: { tracking: { subid: 'clk-nested-42' }, payout: '12.75' }, currency: 'EUR' };
			const result = await deliverPostback(customWithMap, { method: 'POST', body });

			expect(result.response.statusCode).toBe(200);
			expect(result.response.body).toMatchObject({ ok: true, network: 'Custom', clickId: 'clk-nested-42', transactionId: 'evt-7781' });
			const item = expectAcceptedOnly(result);
			expect(item.json).toMatchObject({ network: 'custom', clickId: 'clk-nested-42', transactionId: 'evt-7781', commission: '12.75', currency: 'EUR' });
			expect((item.json.raw as { body: unknown }).body).toEqual(body);
		});

		test('with the mapping, the standard name alone is not read', async () => {
			const result = await deliverPostback(customWithMap, { method: 'POST', body: { click_id: 'top-level', data: {} } });
			expect(result.response.statusCode).toBe(400);
			expect(expectRejectedOnly(result).json).toMatchObject({ reason: { code: 'missing_click_id', field: 'data.tracking.subid' } });
		});
	});

	describe("credential 'postbackAuthApi', secret token in the query", () => {
		const secured = {
			parameters: { ...shareasale.parameters, authentication: 'postbackAuthApi' },
			credential: { method: 'token', token: TOKEN, placement: 'query' },
		};

		test('without the token: 401 and the request on Rejected', async () => {
			const result = await deliverPostback(secured, { method: 'GET', query: PAYLOAD });
			expect(result.response.statusCode).toBe(401);
			expect(result.response.body).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
			expect(expectRejectedOnly(result).json).toMatchObject({ httpStatus: 401, reason: { code: 'unauthorized' } });
			expect(result.credentialReads).toEqual([{ id: 'cred-postback-1', type: 'postbackAuthApi', mode: 'webhook' }]);
		});

		test('with a wrong token: 401, and the wrong token is not passed on', async () => {
			const result = await deliverPostback(secured, { method: 'GET', query: { ...PAYLOAD, token: 'not-the-right-token-at-all' } });
			expect(result.response.statusCode).toBe(401);
			const item = expectRejectedOnly(result);
			expect(item.json).toMatchObject({ reason: { code: 'unauthorized', message: 'The secret token does not match.' } });
			expect(JSON.stringify(item.json)).not.toContain('not-the-right-token-at-all');
		});

		test('with the right token: 200, the conversion on Accepted, and the token nowhere in the output', async () => {
			const result = await deliverPostback(secured, { method: 'GET', query: { ...PAYLOAD, token: TOKEN } });
			expect(result.response.statusCode).toBe(200);
			const item = expectAcceptedOnly(result);
			expect(item.json).toMatchObject(SEED_CONVERSION);
			expect((item.json.raw as { query: Record<string, string> }).query).toEqual(PAYLOAD);
			expect(JSON.stringify(result.run?.data.resultData.runData)).not.toContain(TOKEN);
			expect(JSON.stringify(result.response.body)).not.toContain(TOKEN);
		});

		test('a custom query parameter name from the credential', async () => {
			const renamed = { ...secured, credential: { ...secured.credential, queryParameterName: 'key' } };
			expect((await deliverPostback(renamed, { method: 'GET', query: { ...PAYLOAD, token: TOKEN } })).response.statusCode).toBe(401);
			const result = await deliverPostback(renamed, { method: 'GET', query: { ...PAYLOAD, key: TOKEN } });
			expect(result.response.statusCode).toBe(200);
			expect(JSON.stringify(expectAcceptedOnly(result).json)).not.toContain(TOKEN);
		});

		test('emitUnauthenticated false: 401 answered, no workflow data, nothing runs', async () => {
			const quiet = { ...secured, parameters: { ...secured.parameters, options: { emitUnauthenticated: false } } };
			const result = await deliverPostback(quiet, { method: 'GET', query: { ...PAYLOAD, token: 'wrong-token-wrong-token' } });
			expect(result.response.statusCode).toBe(401);
			expect(result.webhookResult).toEqual({ noWebhookResponse: true });
			expect(result.run).toBeUndefined();
			expect(result.hookCalls).toEqual([]);
			expect(CollectNode.seen).toEqual([]);
		});
	});

	test('secret token in the path: the `:secret` webhook parameter is checked', async () => {
		const inPath = {
			parameters: { ...shareasale.parameters, authentication: 'postbackAuthApi', secretInPath: true },
			credential: { method: 'token', token: TOKEN, placement: 'path' },
		};
		const ok = await deliverPostback(inPath, { method: 'GET', path: `b8f1c9a4-2f6e-4c53-9d1e-6a0c2f3e7b11/shareasale/${TOKEN}`, query: PAYLOAD });
		expect(ok.webhook).toMatchObject({ path: 'shareasale/:secret', webhookId: 'b8f1c9a4-2f6e-4c53-9d1e-6a0c2f3e7b11' });
		expect(ok.request.params).toEqual({ secret: TOKEN });
		expect(ok.response.statusCode).toBe(200);
		expect(JSON.stringify(expectAcceptedOnly(ok).json)).not.toContain(TOKEN);

		const wrong = await deliverPostback(inPath, { method: 'GET', path: 'b8f1c9a4-2f6e-4c53-9d1e-6a0c2f3e7b11/shareasale/nope-nope-nope', query: PAYLOAD });
		expect(wrong.response.statusCode).toBe(401);
		expectRejectedOnly(wrong);
	});

	test('HTTP Basic: 401 with the WWW-Authenticate challenge header written by the node, 200 with the right password', async () => {
		const basic = {
			parameters: { ...shareasale.parameters, authentication: 'postbackAuthApi' },
			credential: { method: 'basic', user: 'shareasale', password: 'pa55word-long' },
		};
		const refused = await deliverPostback(basic, { method: 'GET', query: PAYLOAD });
		expect(refused.response.statusCode).toBe(401);
		expect(refused.response.headers['www-authenticate']).toBe('Basic realm="postback"');
		expectRejectedOnly(refused);

		const authorization = `Basic ${Buffer.from('shareasale:pa55word-long').toString('base64')}`;
		const accepted = await deliverPostback(basic, { method: 'GET', query: PAYLOAD, headers: { Authorization: authorization } });
		expect(accepted.response.statusCode).toBe(200);
		const item = expectAcceptedOnly(accepted);
		expect(JSON.stringify(item.json)).not.toContain(authorization.slice('Basic '.length));
	});

	test('IP allowlist: the request address n8n hands over decides (403 outside the range)', async () => {
		const allowlisted = {
			parameters: { ...shareasale.parameters, authentication: 'postbackAuthApi' },
			credential: { method: 'none', ipAllowlist: '198.51.100.0/24' },
		};
		const outside = await deliverPostback(allowlisted, { method: 'GET', query: PAYLOAD, ip: '203.0.113.10' });
		expect(outside.response.statusCode).toBe(403);
		expect(expectRejectedOnly(outside).json).toMatchObject({ reason: { code: 'forbidden' }, request: { ip: '203.0.113.10' } });

		const inside = await deliverPostback(allowlisted, { method: 'GET', query: PAYLOAD, ip: '198.51.100.7' });
		expect(inside.response.statusCode).toBe(200);
		expectAcceptedOnly(inside);
	});

	describe('HMAC signature over the raw body', () => {
		const signed = {
			parameters: { network: 'custom', path: 'signed', authentication: 'postbackAuthApi' },
			credential: { method: 'hmac', hmacSecret: HMAC_SECRET },
		};
		const rawBody = Buffer.from('{"click_id":"clk-hmac-1","transaction_id":"tx-9","commission":"5.00"}', 'utf8');
		const sign = (bytes: Buffer, secret = HMAC_SECRET) => createHmac('sha256', secret).update(bytes).digest('hex');

		test('a correct signature of the exact bytes is accepted', async () => {
			const result = await deliverPostback(signed, {
				method: 'POST',
				body: rawBody,
				contentType: 'application/json',
				headers: { 'X-Postback-Signature': `sha256=${sign(rawBody)}` },
			});
			expect(result.request.rawBody.equals(rawBody)).toBe(true);
			expect(result.response.statusCode).toBe(200);
			const item = expectAcceptedOnly(result);
			expect(item.json).toMatchObject({ clickId: 'clk-hmac-1', transactionId: 'tx-9', commission: '5' });
			// The signature header is a credential: it is not copied into the output.
			expect(JSON.stringify(item.json)).not.toContain(sign(rawBody));
		});

		test('a signature of other bytes (same JSON, different spacing) is refused', async () => {
			const reformatted = Buffer.from(JSON.stringify(JSON.parse(rawBody.toString('utf8')), null, 2), 'utf8');
			const result = await deliverPostback(signed, {
				method: 'POST',
				body: rawBody,
				contentType: 'application/json',
				headers: { 'X-Postback-Signature': sign(reformatted) },
			});
			expect(result.response.statusCode).toBe(401);
			expect(expectRejectedOnly(result).json).toMatchObject({ reason: { code: 'unauthorized' } });
		});

		test('a missing signature header is refused', async () => {
			const result = await deliverPostback(signed, { method: 'POST', body: rawBody, contentType: 'application/json' });
			expect(result.response.statusCode).toBe(401);
			expect(expectRejectedOnly(result).json).toMatchObject({ reason: { code: 'unauthorized' } });
		});
	});

	describe('credentialTest postbackAuthTest (as the credential Test button runs it)', () => {
		test('a short token is an Error', async () => {
			expect(await testCredential('postbackAuthApi', { method: 'token', token: 'short' })).toMatchObject({ status: 'Error' });
		});

		test('a malformed allowlist is an Error naming the bad entry', async () => {
			const result = await testCredential('postbackAuthApi', { method: 'token', token: TOKEN, ipAllowlist: '203.0.113.0/24, not-an-ip' });
			expect(result.status).toBe('Error');
			expect(result.message).toContain('not-an-ip');
		});

		test('a complete credential is OK', async () => {
			expect(await testCredential('postbackAuthApi', { method: 'token', token: TOKEN, ipAllowlist: '203.0.113.0/24, 2001:db8::/32' })).toEqual({
				status: 'OK',
				message: 'The credential is complete',
			});
			expect(await testCredential('postbackAuthApi', { method: 'hmac', hmacSecret: HMAC_SECRET })).toMatchObject({ status: 'OK' });
		});
	});
});

describe('Postback Trigger version 2: ships closed', () => {
	const v2 = (parameters: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
		typeVersion: 2,
		parameters: { network: 'shareasale', path: 'shareasale', ...parameters },
		...extra,
	});
	const secretPath = `${TRIGGER_WEBHOOK_ID}/shareasale`;

	test('new triggers are version 2, whose default authentication is the generated secret URL', () => {
		const description = new PostbackTrigger().description;
		expect(description.defaultVersion).toBe(2);
		const defaults = description.properties.filter((property) => property.name === 'authentication');
		const forVersion = (version: number) =>
			defaults.find((property) => JSON.stringify(property.displayOptions?.show?.['@version']).includes(version === 1 ? '[1]' : 'gte'))?.default;
		expect(forVersion(1)).toBe('none');
		expect(forVersion(2)).toBe('secretUrl');
	});

	test("the webhook sits behind the node's webhook ID (the Production URL n8n shows carries it), resolved without the expression engine", () => {
		const data = buildWorkflowData(v2());
		const workflow = new Workflow({
			id: data.id,
			name: data.name,
			nodes: data.nodes,
			connections: data.connections,
			active: false,
			nodeTypes,
			settings: data.settings,
		});
		const node = workflow.getNode('Postback Trigger')!;
		expect(JSON.stringify(node.parameters)).not.toMatch(/"=/);
		// The entries n8n registers (the one without a method only lists the URL to paste in the editor).
		for (const webhook of new PostbackTrigger().description.webhooks!.filter((entry) => entry.httpMethod)) {
			expect(resolveWebhookDescriptionField(node, webhook, 'isFullPath')).toEqual({ resolved: true, value: false });
			expect(resolveWebhookDescriptionField(node, webhook, 'path')).toEqual({ resolved: true, value: 'shareasale' });
		}
		const paths = getNodeWebhooks(workflow, node, {} as never).map((webhook) => `${webhook.httpMethod} ${webhook.path}`);
		expect(paths.sort()).toEqual([`GET ${secretPath}`, `POST ${secretPath}`]);
	});

	test('a postback to the secret URL is accepted and says it was authenticated by token', async () => {
		const result = await deliverPostback(v2(), { method: 'GET', path: secretPath, query: PAYLOAD });
		expect(result.response.statusCode).toBe(200);
		const item = expectAcceptedOnly(result);
		expect(item.json).toMatchObject({ ...SEED_CONVERSION, authentication: 'token' });
		expect(JSON.stringify(item.json)).not.toContain(TRIGGER_WEBHOOK_ID);
	});

	test('the bare path without the secret has no webhook at all', async () => {
		await expect(deliverPostback(v2(), { method: 'GET', path: 'shareasale', query: PAYLOAD })).rejects.toThrow(/No webhook for GET shareasale/);
	});

	test('None stays possible as an explicit choice, and its conversions say so', async () => {
		const result = await deliverPostback(v2({ authentication: 'none' }), { method: 'GET', query: PAYLOAD });
		expect(result.response.statusCode).toBe(200);
		expect(expectAcceptedOnly(result).json).toMatchObject({ authentication: 'none' });
		const notice = new PostbackTrigger().description.properties.find((property) => property.name === 'notice_unauthenticated');
		expect(notice).toMatchObject({ type: 'notice', displayOptions: { show: { authentication: ['none'] } } });
		expect(notice?.displayName).toMatch(/Anyone who finds this URL can post/);
	});

	test('version 1 workflows keep their URL and behaviour (no authentication unless chosen)', async () => {
		const result = await deliverPostback(shareasale, { method: 'GET', query: PAYLOAD });
		expect(result.response.statusCode).toBe(200);
		expect(expectAcceptedOnly(result).json).toMatchObject({ authentication: 'none' });
	});

	test('a secret-URL trigger without a webhook ID refuses (503) and keeps the postback, instead of running open', async () => {
		const result = await deliverPostback(v2({}, { webhookId: null }), {
			method: 'GET',
			path: `wf-postback-test/postback%20trigger/shareasale`,
			query: PAYLOAD,
		});
		expect(result.response.statusCode).toBe(503);
		expect(expectRejectedOnly(result).json).toMatchObject({ reason: { code: 'misconfigured', message: expect.stringContaining('webhook ID') } });
	});

	test('a 120 kB unauthenticated body does not ride into the execution: the Rejected item keeps an excerpt, size and hash', async () => {
		const body = JSON.stringify({ afftrack: CLICK_ID, padding: 'x'.repeat(120_000) });
		const result = await deliverPostback(
			{ parameters: { ...shareasale.parameters, authentication: 'postbackAuthApi' }, credential: { method: 'token', token: TOKEN } },
			{ method: 'POST', body, contentType: 'application/json' },
		);
		expect(result.response.statusCode).toBe(401);
		const item = expectRejectedOnly(result);
		expect(item.json).toMatchObject({ request: { bodyTruncated: true, bodyBytes: Buffer.byteLength(body) } });
		expect(JSON.stringify(item.json).length).toBeLessThan(REJECTED_BODY_LIMITS.unauthenticated + 2048);
	});

	test.each([
		['Basic with empty user and password', { method: 'basic', user: '', password: '' }, { Authorization: `Basic ${Buffer.from(':').toString('base64')}` }],
		['IP Allowlist Only without entries', { method: 'none', ipAllowlist: '' }, {}],
		['an empty token', { method: 'token', token: '' }, {}],
		['an empty HMAC secret', { method: 'hmac', hmacSecret: '' }, {}],
	])('a credential that authenticates nobody (%s) makes the trigger refuse (503) and keep the postback on Rejected', async (_, credential, headers) => {
		const result = await deliverPostback(
			{ parameters: { ...shareasale.parameters, authentication: 'postbackAuthApi' }, credential },
			{ method: 'GET', query: PAYLOAD, headers: headers as Record<string, string> },
		);
		expect(result.response.statusCode).toBe(503);
		expect(expectRejectedOnly(result).json).toMatchObject({ reason: { code: 'misconfigured' } });
	});

	test.each([
		['Basic with empty user and password', { method: 'basic', user: '', password: '' }],
		['IP Allowlist Only without entries', { method: 'none', ipAllowlist: '  ' }],
		['an empty token', { method: 'token', token: '' }],
		['an empty HMAC secret', { method: 'hmac', hmacSecret: '' }],
	])('the credential Test refuses %s when it is saved', async (_, credential) => {
		expect(await testCredential('postbackAuthApi', credential)).toMatchObject({ status: 'Error' });
	});
});

describe('ClickBank: the INS secret key lives in a credential', () => {
	const SECRET = 'MYSECRETKEY2024';
	function encryptIns(payload: Record<string, unknown>, secret = SECRET): { notification: string; iv: string } {
		const iv = randomBytes(16);
		const cipher = createCipheriv('aes-256-cbc', insKey(secret), iv);
		const notification = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]).toString('base64');
		return { notification, iv: iv.toString('base64') };
	}
	const sale = {
		transactionType: 'SALE',
		receipt: 'P3RGBKGB',
		transactionTime: '2024-03-01T10:00:00-07:00',
		totalAccountAmount: 12.5,
		currency: 'USD',
		trackingCodes: ['clk-cb-1'],
	};

	test('version 2 declares the ClickBank INS credential for the ClickBank network and no key parameter', () => {
		const description = new PostbackTrigger().description;
		expect(description.credentials).toContainEqual(
			expect.objectContaining({ name: 'clickBankInsApi', displayOptions: { show: { '/network': ['clickbank'], '@version': [2] } } }),
		);
		const options = description.properties.find((property) => property.name === 'options')!.options as Array<{ name: string; displayOptions?: unknown }>;
		expect(options.find((option) => option.name === 'clickbankSecret')?.displayOptions).toEqual({ show: { '/network': ['clickbank'], '@version': [1] } });
	});

	test('a notification encrypted with the credential key is accepted (version 2)', async () => {
		const result = await deliverPostback(
			{
				typeVersion: 2,
				parameters: { network: 'clickbank', path: 'cb', authentication: 'none' },
				credential: { secretKey: SECRET },
				credentialType: 'clickBankInsApi',
			},
			{ method: 'POST', body: encryptIns(sale) },
		);
		expect(result.response.statusCode).toBe(200);
		expect(expectAcceptedOnly(result).json).toMatchObject({ network: 'clickbank', transactionId: expect.stringContaining('P3RGBKGB') });
		expect(JSON.stringify(result.accepted)).not.toContain(SECRET);
	});

	test('a version 1 workflow with the old parameter keeps working', async () => {
		const result = await deliverPostback(
			{ parameters: { network: 'clickbank', path: 'cb', options: { clickbankSecret: SECRET } } },
			{ method: 'POST', body: encryptIns(sale) },
		);
		expect(result.response.statusCode).toBe(200);
		expectAcceptedOnly(result);
	});

	test('the credential Test checks the key offline: 1 to 16 letters and digits', async () => {
		expect(await testCredential('clickBankInsApi', { secretKey: SECRET })).toMatchObject({ status: 'OK' });
		expect(await testCredential('clickBankInsApi', { secretKey: '' })).toMatchObject({ status: 'Error' });
		expect(await testCredential('clickBankInsApi', { secretKey: 'with spaces and-dash' })).toMatchObject({ status: 'Error' });
		expect(await testCredential('clickBankInsApi', { secretKey: 'A'.repeat(17) })).toMatchObject({ status: 'Error' });
	});
});
