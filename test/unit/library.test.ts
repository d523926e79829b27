import fc from 'fast-check';
import * as library from '../../src';
import { conversionSchema, listNetworks, parsePostback } from '../../src';
import type { PostbackErrorCode, PostbackRequest } from '../../src';

const IDS = ['shareasale', 'custom', 'tune', 'aspire', 'impact', 'awin', 'everflow', 'clickbank', 'pap', 'voluum', 'keitaro'];
const BASE = 'https://n8n.example.test/webhook/abc123/postback';
const ERROR_CODES: PostbackErrorCode[] = [
	'missing_click_id',
	'missing_field',
	'invalid_amount',
	'unknown_currency',
	'invalid_date',
	'invalid_status',
	'invalid_body',
	'missing_secret',
	'undecryptable_body',
	'invalid_conversion',
];
const options = { secret: 'clickbank-secret-key', currency: 'USD', timezone: 'UTC', now: () => new Date('2024-01-01T00:00:00Z') };

describe('library entry: listNetworks()', () => {
	const networks = listNetworks();

	it('lists exactly the eleven networks, once each', () => {
		expect(networks.map((network) => network.id).sort()).toEqual([...IDS].sort());
		expect(networks).toHaveLength(IDS.length);
	});

	it.each(IDS)('%s has a name, a subid parameter and a setup hint', (id) => {
		const network = networks.find((entry) => entry.id === id)!;
		expect(network.name.trim()).not.toBe('');
		expect(network.subidParam.trim()).not.toBe('');
		expect(network.clickIdMacro.trim()).not.toBe('');
		expect(network.setupHint.trim()).not.toBe('');
	});

	function expectTemplateCarriesMacro(id: string): void {
		const network = networks.find((entry) => entry.id === id)!;
		const url = network.postbackUrlTemplate(BASE);
		expect(url.startsWith(`${BASE}?`)).toBe(true);
		expect(url).toContain(network.clickIdMacro);
		expect(url.indexOf('?')).toBe(BASE.length);
	}

	it.each(IDS.filter((id) => id !== 'clickbank'))('%s: the template starts with the base URL and carries the click-id macro', (id) => {
		expectTemplateCarriesMacro(id);
	});

	it('aspire: the template still starts with the base URL and carries the transaction_id parameter', () => {
		const url = networks.find((entry) => entry.id === 'aspire')!.postbackUrlTemplate(BASE);
		expect(url.startsWith(`${BASE}?`)).toBe(true);
		expect(url).toMatch(/[?&]transaction_id=TRANSACTION_ID(&|$)/);
	});

	it('clickbank: the template is the bare URL (ClickBank posts its encrypted notification there)', () => {
		const clickbank = networks.find((entry) => entry.id === 'clickbank')!;
		expect(clickbank.postbackUrlTemplate(BASE)).toBe(BASE);
	});

	it('the subid parameters documented for the networks', () => {
		const subids = Object.fromEntries(networks.map((network) => [network.id, network.subidParam]));
		expect(subids).toMatchObject({ shareasale: 'afftrack', awin: 'clickref', tune: 'aff_click_id', everflow: 'sub1', clickbank: 'tid', custom: 'click_id' });
	});

	it('each network id and template is independent of the base URL it is given', () => {
		for (const network of networks) {
			const other = 'https://other.example.test/p';
			const url = network.postbackUrlTemplate(other);
			expect(url.startsWith(other)).toBe(true);
			expect(url).not.toContain(BASE);
		}
	});

	it('the library entry exposes the engine', () => {
		for (const name of [
			'listNetworks',
			'parsePostback',
			'receivePostback',
			'checkInboundAuth',
			'toUtcIso',
			'customPostbackUrl',
			'conversionSchema',
			'normalizeDecimal',
		]) {
			expect(typeof (library as Record<string, unknown>)[name]).not.toBe('undefined');
		}
	});
});

describe('library entry: parsePostback()', () => {
	it('an unknown network → ok:false naming the known ones', () => {
		const result = parsePostback('nope', { method: 'GET', query: {} }, options);
		expect(result.ok).toBe(false);
		if (!result.ok) {
			expect(result.error.message).toContain('"nope"');
			for (const id of IDS) expect(result.error.message).toContain(id);
		}
	});

	it('inherited object keys are not networks', () => {
		for (const id of ['constructor', 'toString', '__proto__', 'hasOwnProperty', '']) {
			expect(parsePostback(id, { method: 'GET', query: {} }).ok).toBe(false);
		}
	});

	it('the ShareASale seed through the library entry', () => {
		const result = parsePostback(
			'shareasale',
			{
				method: 'GET',
				query: {
					afftrack: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
					transtype: 'SALE',
					merchantID: '87575',
					orderNumber: '2617207',
					transID: '198198598',
					amountOfSale: '79',
					commission: '39.5',
					transDate: '2023-05-21 00:57:45',
				},
			},
			{ ...options, timezone: 'America/New_York' },
		);
		expect(result).toMatchObject({ ok: true, conversion: { commission: '39.5', occurredAt: '2023-05-21T04:57:45.000Z' } });
	});

	it('an empty request to every network is an error, never a conversion without a click', () => {
		for (const id of IDS) {
			const result = parsePostback(id, { method: 'GET', query: {} }, options);
			expect(result.ok).toBe(false);
		}
	});

	/** Requests shaped like what a web server hands over, including junk. */
	const scalar = fc.oneof(
		fc.string(),
		fc.integer().map(String),
		fc.constantFrom('{sub1}', '!!afftrack!!', '', 'null', '4.99', '-1', '1e5', 'USD', 'usd', '2023-05-21 00:57:45'),
	);
	const keys = fc.oneof(
		fc.constantFrom(
			...new Set(listNetworks().map((network) => network.subidParam)),
			'commission',
			'payout',
			'currency',
			'status',
			'transaction_id',
			'amount',
			'tid',
			'notification',
			'iv',
			'__proto__',
			'constructor',
		),
		fc.string({ maxLength: 8 }),
	);
	const query = fc.dictionary(keys, fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { maxKeys: 8 });
	const body = fc.oneof(
		fc.constant(undefined),
		fc.string(),
		fc.json(),
		fc.dictionary(keys, fc.jsonValue(), { maxKeys: 8 }),
		query.map((values) => new URLSearchParams(Object.entries(values).map(([key, value]): [string, string] => [key, String(value)])).toString()),
		fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
	);
	const headers = fc.oneof(
		fc.constant(undefined),
		fc.record({ 'content-type': fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml', '') }),
	);
	const requests = fc.record({ method: fc.constantFrom('GET', 'POST', 'post', 'PUT'), query, body, headers }) as fc.Arbitrary<PostbackRequest>;

	it('never throws, and answers either a schema-valid conversion or a known error code (every network, any request)', () => {
		fc.assert(
			fc.property(fc.constantFrom(...IDS), requests, (id, request) => {
				let result: ReturnType<typeof parsePostback> | undefined;
				expect(() => {
					result = parsePostback(id, request, options);
				}).not.toThrow();
				if (result!.ok) {
					expect(conversionSchema.safeParse(result!.conversion).success).toBe(true);
					expect(result!.conversion.network).toBe(id);
				} else {
					expect(ERROR_CODES).toContain(result!.error.code);
					expect(result!.error.message.trim()).not.toBe('');
					// A crash inside a preset is reported this way: none may happen on any input.
					expect(result!.error.message).not.toMatch(/could not be read/);
				}
			}),
			{ numRuns: 1500 },
		);
	});

	it('parsePostback with a null-ish body or odd method still answers', () => {
		for (const id of IDS) {
			expect(() => parsePostback(id, { method: 'GET', query: undefined, body: null, headers: undefined }, options)).not.toThrow();
			expect(() => parsePostback(id, { method: 'HEAD', body: 42 }, options)).not.toThrow();
		}
	});
});
