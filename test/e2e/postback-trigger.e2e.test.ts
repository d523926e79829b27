import { baseUrl, n8nFetch, outputsOf, uniqueId, waitForExecution, workflowNamed } from './n8n-api';
import { SHAREASALE_CONVERSION_PAYLOAD } from '../fixtures/seed-payloads';
import { DESTINATIONS } from '../../src/destinations';

/** The seed's ShareASale conversion payload (seed 000), with a fresh transaction id per test. */
function shareasalePayload(transID: string): Record<string, string> {
	return {
		amountOfSale: '79',
		orderNumber: '2617207',
		merchantID: '87575',
		transtype: 'SALE',
		transID,
		transDate: '2023-05-21 00:57:45',
		afftrack: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
		commission: '39.5',
	};
}

const shareasale = () => workflowNamed('ShareASale postbacks');
const custom = () => workflowNamed('Custom postbacks (any network)');
const secured = () => workflowNamed('E2E: custom postbacks behind a secret token');

const acceptedBy = (node: string, key: string, value: string) => (execution: Parameters<Parameters<typeof waitForExecution>[1]>[0]) =>
	outputsOf(execution, node)[0]?.some((item) => item.json[key] === value) ?? false;
const rejectedBy = (node: string, match: (request: Record<string, unknown>) => boolean) => (execution: Parameters<Parameters<typeof waitForExecution>[1]>[0]) =>
	outputsOf(execution, node)[1]?.some((item) => match(item.json.request as Record<string, unknown>)) ?? false;

describe('Postback Trigger in a real n8n', () => {
	test('the package is installed as a community package and its node type is loaded', async () => {
		// What the editor loads (behind the owner's login); the type carries the package prefix, as in a real install.
		const response = await n8nFetch(`${baseUrl()}/types/nodes.json`, { headers: { cookie: process.env.E2E_N8N_COOKIE ?? '' } });
		expect(response.status).toBe(200);
		const types = (await response.json()) as Array<{ name: string }>;
		const trigger = types.find((type) => type.name === 'n8n-nodes-postback.postbackTrigger') as
			| { name: string; outputNames?: string[]; codex?: { categories?: string[] } }
			| undefined;
		expect(trigger).toBeDefined();
		expect(trigger?.outputNames).toEqual(['Accepted', 'Rejected']);
		// The codex file shipped beside the node puts it in the editor's categories.
		expect(trigger?.codex?.categories).toContain('Marketing');
	});

	test('every platform node and credential derived from the registry is loaded, with its codex', async () => {
		// The platform files n8n loads are generated from the definitions at build time (scripts/platform-files.mjs).
		const headers = { cookie: process.env.E2E_N8N_COOKIE ?? '' };
		const nodes = (await (await n8nFetch(`${baseUrl()}/types/nodes.json`, { headers })).json()) as Array<{ name: string; codex?: { alias?: string[] } }>;
		const credentials = (await (await n8nFetch(`${baseUrl()}/types/credentials.json`, { headers })).json()) as Array<{ name: string }>;
		for (const definition of Object.values(DESTINATIONS)) {
			const node = nodes.find((type) => type.name === `n8n-nodes-postback.${definition.node.name}`);
			expect({ platform: definition.platform, alias: node?.codex?.alias }).toEqual({ platform: definition.platform, alias: definition.node.codex.alias });
			expect(credentials.map((type) => type.name)).toContain(definition.credential.name);
		}
	});

	test("ShareASale GET postback from the seed's URL template becomes a conversion on the Accepted output", async () => {
		const transID = uniqueId('9');
		const query = new URLSearchParams(shareasalePayload(transID));
		const response = await n8nFetch(`${shareasale().webhookUrls[0]}?${query}`);
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ ok: true, network: 'ShareASale', clickId: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr', transactionId: transID });

		const execution = await waitForExecution(shareasale().id, acceptedBy('ShareASale Postback', 'transactionId', transID));
		expect(execution.status).toBe('success');
		const [accepted, rejected] = outputsOf(execution, 'ShareASale Postback');
		expect(rejected ?? []).toHaveLength(0);
		expect(accepted).toHaveLength(1);
		expect(accepted[0].json).toMatchObject({
			network: 'shareasale',
			clickId: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
			transactionId: transID,
			orderId: '2617207',
			merchantId: '87575',
			networkEventType: 'SALE',
			amount: '79',
			commission: '39.5',
			currency: 'USD',
			status: 'approved',
			// The template reads ShareASale's zone-less times as America/New_York (EDT, UTC-4, in May).
			occurredAt: '2023-05-21T04:57:45.000Z',
		});
		expect(accepted[0].pairedItem).toEqual({ item: 0 });
		// The item reaches the next node unchanged.
		const [forwarded] = outputsOf(execution, 'Conversions');
		expect(forwarded[0].json.transactionId).toBe(transID);
	});

	test('ShareASale POST form postback is read the same way', async () => {
		const transID = uniqueId('8');
		const response = await fetch(shareasale().webhookUrls[0], {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams(shareasalePayload(transID)).toString(),
		});
		expect(response.status).toBe(200);
		const execution = await waitForExecution(shareasale().id, acceptedBy('ShareASale Postback', 'transactionId', transID));
		const [accepted] = outputsOf(execution, 'ShareASale Postback');
		expect(accepted[0].json).toMatchObject({ transactionId: transID, amount: '79', commission: '39.5', raw: { method: 'POST' } });
	});

	test('a ShareASale postback whose afftrack macro was never replaced gets a 400 and lands on Rejected', async () => {
		const transID = uniqueId('7');
		const payload = { ...shareasalePayload(transID), afftrack: '!!afftrack!!' };
		const response = await fetch(`${shareasale().webhookUrls[0]}?${new URLSearchParams(payload)}`);
		expect(response.status).toBe(400);
		const body = (await response.json()) as { ok: boolean; error: { code: string; field: string; message: string } };
		expect(body.ok).toBe(false);
		expect(body.error).toMatchObject({ code: 'missing_click_id', field: 'afftrack' });
		expect(body.error.message).toMatch(/afftrack/);

		const execution = await waitForExecution(
			shareasale().id,
			rejectedBy('ShareASale Postback', (request) => (request.query as Record<string, string>)?.transID === transID),
		);
		const [accepted, rejected] = outputsOf(execution, 'ShareASale Postback');
		expect(accepted ?? []).toHaveLength(0);
		expect(rejected[0].json).toMatchObject({ network: 'shareasale', httpStatus: 400, reason: { code: 'missing_click_id', field: 'afftrack' } });
		expect(outputsOf(execution, 'Rejected Postbacks')[0]).toHaveLength(1);
	});

	test('a non-numeric commission is rejected naming the field, and the raw request is kept', async () => {
		const transID = uniqueId('6');
		const payload = { ...shareasalePayload(transID), commission: '39,5 USD' };
		const response = await fetch(`${shareasale().webhookUrls[0]}?${new URLSearchParams(payload)}`);
		expect(response.status).toBe(400);
		expect(((await response.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'invalid_amount', field: 'commission' });
		const execution = await waitForExecution(
			shareasale().id,
			rejectedBy('ShareASale Postback', (request) => (request.query as Record<string, string>)?.transID === transID),
		);
		const rejected = outputsOf(execution, 'ShareASale Postback')[1][0].json;
		expect((rejected.request as { query: Record<string, string> }).query.commission).toBe('39,5 USD');
	});

	test('a custom JSON postback (seed 002 parameters) is accepted, with name split into first and last', async () => {
		const transactionId = uniqueId('T');
		const response = await fetch(custom().webhookUrls[0], {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				click_id: 'CAxaduSFl0fpiROSdRkptrJ5REfN2GeEnE',
				commission: 4.99,
				currency: 'EUR',
				transaction_id: transactionId,
				brand_name: 'Apple Inc',
				event_name: 'CompleteRegistration',
				email: 'jsmith@example.com',
				name: 'John Smith',
				phone: '+1 (650) 555 4444',
			}),
		});
		expect(response.status).toBe(200);
		const execution = await waitForExecution(custom().id, acceptedBy('Custom Postback', 'transactionId', transactionId));
		const [accepted] = outputsOf(execution, 'Custom Postback');
		expect(accepted[0].json).toMatchObject({
			network: 'custom',
			clickId: 'CAxaduSFl0fpiROSdRkptrJ5REfN2GeEnE',
			commission: '4.99',
			currency: 'EUR',
			eventName: 'CompleteRegistration',
			brandName: 'Apple Inc',
			user: { email: 'jsmith@example.com', firstName: 'John', lastName: 'Smith', phone: '+1 (650) 555 4444' },
		});
	});

	test('a custom postback with an unknown currency is rejected with 400 naming the field', async () => {
		const transactionId = uniqueId('U');
		const response = await fetch(custom().webhookUrls[0], {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ click_id: 'abc123', commission: '10', currency: 'XYZ', transaction_id: transactionId }),
		});
		expect(response.status).toBe(400);
		expect(((await response.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'unknown_currency', field: 'currency' });
		await waitForExecution(
			custom().id,
			rejectedBy('Custom Postback', (request) => (request.body as Record<string, string>)?.transaction_id === transactionId),
		);
	});

	test('invalid JSON is answered 400 and still reaches Rejected with the body as sent', async () => {
		const marker = uniqueId('broken');
		const response = await fetch(custom().webhookUrls[0], {
			method: 'POST',
			headers: { 'content-type': 'text/plain' },
			body: `{"click_id": "${marker}", `,
		});
		expect(response.status).toBe(400);
		await waitForExecution(
			custom().id,
			rejectedBy('Custom Postback', (request) => typeof request.body === 'string' && request.body.includes(marker)),
		);
	});

	test('the secret token is required, checked, and never kept on the item', async () => {
		const transactionId = uniqueId('S');
		const query = new URLSearchParams({ click_id: 'clk-secured', commission: '0', transaction_id: transactionId });
		const url = secured().webhookUrls[0];

		const missing = await fetch(`${url}?${query}`);
		expect(missing.status).toBe(401);
		const wrong = await fetch(`${url}?${query}&key=not-the-secret`);
		expect(wrong.status).toBe(401);
		expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('unauthorized');

		const good = await fetch(`${url}?${query}&key=e2e-secret-token-0123456789`);
		expect(good.status).toBe(200);
		const execution = await waitForExecution(secured().id, acceptedBy('Secured Postback', 'transactionId', transactionId));
		const accepted = outputsOf(execution, 'Secured Postback')[0][0].json;
		expect(accepted).toMatchObject({ commission: '0', currency: 'EUR' });
		expect(JSON.stringify(accepted)).not.toContain('e2e-secret-token');

		// The failed attempts are on Rejected, without the wrong secret either.
		const rejectedRun = await waitForExecution(
			secured().id,
			rejectedBy(
				'Secured Postback',
				(request) => (request.query as Record<string, string>)?.transaction_id === transactionId && !('key' in (request.query as object)),
			),
		);
		expect(outputsOf(rejectedRun, 'Secured Postback')[1][0].json).toMatchObject({ httpStatus: 401, reason: { code: 'unauthorized' } });
	});

	test('a postback that authenticates but cannot be read gets the configured 422', async () => {
		const response = await fetch(`${secured().webhookUrls[0]}?commission=5&key=e2e-secret-token-0123456789`);
		expect(response.status).toBe(422);
		expect(((await response.json()) as { error: { code: string } }).error.code).toBe('missing_click_id');
	});
});

// Keep the test payload honest: it is ShareASale's documented conversion payload, field for field.
test('the ShareASale payload used here is the documented one', () => {
	expect(shareasalePayload(SHAREASALE_CONVERSION_PAYLOAD.transID)).toEqual(SHAREASALE_CONVERSION_PAYLOAD);
});
