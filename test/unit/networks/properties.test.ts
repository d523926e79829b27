import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { conversionSchema, normalizeDecimal } from '../../../src/model';
import { getNetwork, listNetworks, parsePostback } from '../../../src/networks';
import type { ParseOptions, ParseResult, PostbackErrorCode, PostbackRequest } from '../../../src/networks';

/**
 * Property tests over every registered preset: whatever arrives, parsing answers with a valid
 * conversion or a well-formed error, and never throws.
 */

const NUM_RUNS = 300;
const now = () => new Date('2024-01-01T00:00:00Z');
const BASE = 'https://n8n.example.com/webhook/abc/postback';
const networks = listNetworks();

const ERROR_CODES: ReadonlySet<PostbackErrorCode> = new Set<PostbackErrorCode>([
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
]);

/** The template's parameters, read without percent-decoding so macros such as %payout% stay intact. */
function templateParams(networkId: string): Array<[string, string]> {
	const url = getNetwork(networkId)!.postbackUrlTemplate(BASE);
	const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
	return query
		.split('&')
		.filter(Boolean)
		.map((pair) => {
			const at = pair.indexOf('=');
			return at < 0 ? [decodeURIComponent(pair), ''] : [decodeURIComponent(pair.slice(0, at)), pair.slice(at + 1)];
		});
}

/** The query parameter that carries the click id: the one whose value is the preset's click id macro. */
function clickIdParamOf(networkId: string): string | undefined {
	const macro = getNetwork(networkId)!.clickIdMacro;
	return templateParams(networkId).find(([, value]) => value === macro)?.[0];
}

function encryptIns(plaintext: string, secret: string): { notification: string; iv: string } {
	const iv = randomBytes(16);
	const key = Buffer.from(createHash('sha1').update(secret).digest('hex').slice(0, 32), 'utf8');
	const cipher = createCipheriv('aes-256-cbc', key, iv);
	return { notification: Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64'), iv: iv.toString('base64') };
}

// ---- arbitraries -------------------------------------------------------------------------------

const name = fc.stringMatching(/^[A-Za-z0-9_.-]{1,16}$/);

/** Every shape of an unreplaced macro (or spelled-out null) that must count as missing. */
const macro: fc.Arbitrary<string> = fc
	.oneof(
		fc
			.string({ maxLength: 12 })
			.filter((text) => !/[{}]/.test(text))
			.map((text) => `{${text}}`),
		name.map((text) => `{{${text}}}`),
		name.map((text) => `!!${text}!!`),
		name.map((text) => `!!!${text}!!!`),
		name.map((text) => `#${text}#`),
		name.map((text) => `%${text}%`),
		name.map((text) => `[${text}]`),
		name.map((text) => `[[${text}]]`),
		fc
			.string({ maxLength: 12 })
			.filter((text) => !text.includes('}'))
			.map((text) => `\${${text}}`),
		fc.stringMatching(/^[A-Z0-9_-]{1,12}$/).map((text) => `--${text}--`),
		fc.constantFrom('', ' ', '\t', 'null', 'NULL', 'undefined', '(null)', 'None', 'nil'),
	)
	.chain((value) => fc.constantFrom(value, ` ${value} `, `${value}\n`));

const decimal = fc
	.tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^\d{1,20}$/), fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: undefined }))
	.map(([sign, integer, fraction]) => `${sign}${integer}${fraction === undefined ? '' : `.${fraction}`}`);

const text = fc.oneof(
	fc.string(),
	fc.string({ unit: 'grapheme' }),
	fc.string({ unit: 'binary' }),
	macro,
	decimal,
	fc.constantFrom('USD', 'eur', 'QQQ', 'A', 'P', 'D', 'sale', 'lead', 'RFND', '2024-02-30 10:00:00', '2024-03-05T13:47:51-07:00', '1e5', 'NaN', '-0', '1,5'),
);

/** Parameter names every preset reads, plus junk. */
const knownNames = Array.from(
	new Set([
		...networks.flatMap((network) => templateParams(network.id).map(([key]) => key)),
		...networks.map((network) => network.subidParam),
		'notification',
		'iv',
		'revenue',
		'AffiliateID',
		'CampaignID',
		'status',
		'amount',
		'sale_amount',
		'transaction_id',
		'click_id',
		'__proto__',
		'constructor',
		'toString',
	]),
);
const key = fc.oneof(fc.constantFrom(...knownNames), fc.string({ maxLength: 10 }));

const queryValue = fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.constant(undefined));
const query = fc.dictionary(key, queryValue, { maxKeys: 8 });

const body: fc.Arbitrary<unknown> = fc.oneof(
	fc.constant(undefined),
	fc.constant(null),
	fc.string(),
	fc.json(),
	fc.jsonValue(),
	fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
	fc.dictionary(key, fc.oneof(text, fc.anything({ maxDepth: 2 })), { maxKeys: 8 }),
	fc.dictionary(key, fc.oneof(text, fc.anything({ maxDepth: 2 })), { maxKeys: 8 }).map((fields) => JSON.stringify(fields)),
	fc.dictionary(key, text, { maxKeys: 8 }).map((fields) => new URLSearchParams(fields as Record<string, string>).toString()),
	fc.anything({ maxDepth: 3 }),
	fc.record({ notification: fc.oneof(fc.base64String(), fc.string()), iv: fc.oneof(fc.base64String(), fc.string()) }),
);

const headerValue = fc.oneof(
	fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data', ''),
	fc.string(),
	fc.array(fc.string(), { maxLength: 2 }),
	fc.constant(undefined),
);
const headers = fc.option(
	fc.dictionary(
		fc.oneof(fc.constantFrom('content-type', 'Content-Type', 'authorization', 'cookie', 'x-signature', 'user-agent'), fc.string({ maxLength: 10 })),
		headerValue,
		{
			maxKeys: 4,
		},
	),
	{ nil: undefined },
);

const method = fc.oneof(fc.constantFrom('GET', 'POST', 'get', 'post', 'PUT', 'HEAD'), fc.string({ maxLength: 8 }));

const request: fc.Arbitrary<PostbackRequest> = fc.record({ method, query, body, headers }, { requiredKeys: ['method'] });

const options: fc.Arbitrary<ParseOptions> = fc
	.record(
		{
			secret: fc.oneof(fc.string(), fc.constantFrom('MYSECRETKEY42', '')),
			currency: fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom('USD', 'eur', 'QQQ', '')),
			timezone: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('UTC', 'America/New_York', 'Europe/Berlin', 'Not/AZone')),
			fieldMap: fc.dictionary(fc.constantFrom('click_id', 'commission', 'currency', 'status', 'email'), fc.oneof(key, fc.constant('a.b.c')), { maxKeys: 3 }),
		},
		{ requiredKeys: [] },
	)
	.map((picked) => ({ ...picked, now }));

/** A plausible value for a template parameter, judged by its name, so requests get past the click id check. */
function plausible(param: string): fc.Arbitrary<string> {
	if (/amount|payout|commission|cost|total|revenue/i.test(param)) return fc.oneof(decimal, fc.double({ noNaN: true }).map(String));
	if (/currency/i.test(param)) return fc.constantFrom('USD', 'EUR', 'eur', 'GBP', 'QQQ', 'US');
	if (/status/i.test(param))
		return fc.constantFrom('A', 'P', 'D', 'sale', 'lead', 'rebill', 'trash', 'approved', 'pending', 'rejected', 'reversed', 'REVERSED', 'weird');
	if (/date|time/i.test(param)) {
		return fc.oneof(
			fc.constantFrom('2024-03-05 13:47:51', '2024-03-05T13:47:51-07:00', '2024-03-05', '1709671671', '2024-02-30 10:00:00', 'yesterday'),
			fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
		);
	}
	return fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }));
}

/** Requests shaped like each preset's own URL: every parameter plausible, a macro, junk or absent. */
function templateShaped(networkId: string): fc.Arbitrary<PostbackRequest> {
	const entries = templateParams(networkId).map(([param]) =>
		fc.tuple(fc.constant(param), fc.oneof({ weight: 4, arbitrary: plausible(param) }, macro, text, fc.constant(undefined))),
	);
	return fc.tuple(fc.tuple(...entries), fc.constantFrom('query', 'form', 'json')).map(([pairs, carrier]) => {
		const fields: Record<string, string> = {};
		for (const [param, value] of pairs) if (value !== undefined) fields[param] = value;
		if (carrier === 'query') return { method: 'GET', query: fields };
		if (carrier === 'form') {
			return { method: 'POST', body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
		}
		return { method: 'POST', body: JSON.stringify(fields), headers: { 'content-type': 'application/json' } };
	});
}

// ---- checks ------------------------------------------------------------------------------------

function checkResult(result: ParseResult): void {
	expect(typeof result.ok).toBe('boolean');
	if (result.ok) {
		const checked = conversionSchema.safeParse(result.conversion);
		if (!checked.success) throw new Error(`conversion fails the schema: ${JSON.stringify(checked.error.issues[0])}`);
		expect(result.conversion.receivedAt).toBe('2024-01-01T00:00:00.000Z');
	} else {
		expect(ERROR_CODES.has(result.error.code)).toBe(true);
		expect(typeof result.error.message).toBe('string');
		expect(result.error.message.trim()).not.toBe('');
		if (result.error.field !== undefined) expect(typeof result.error.field).toBe('string');
	}
}

/** Calls the preset directly as well, so an exception cannot hide behind parsePostback's safety net. */
function parseBoth(networkId: string, req: PostbackRequest, opts: ParseOptions): ParseResult {
	let direct: ParseResult;
	try {
		direct = getNetwork(networkId)!.parse(req, opts);
	} catch (error) {
		throw new Error(`${networkId} threw: ${error instanceof Error ? error.stack : String(error)}`);
	}
	const viaRegistry = parsePostback(networkId, req, opts);
	expect(viaRegistry.ok).toBe(direct.ok);
	return viaRegistry;
}

describe('every preset, any input', () => {
	it('covers all registered networks', () => {
		expect(networks.map((network) => network.id)).toEqual(expect.arrayContaining(['shareasale', 'custom', 'clickbank', 'pap', 'voluum', 'keitaro']));
	});

	it('never throws and answers with a valid conversion or a well-formed error', () => {
		fc.assert(
			fc.property(request, options, (req, opts) => {
				for (const network of networks) checkResult(parseBoth(network.id, req, opts));
			}),
			{ numRuns: NUM_RUNS },
		);
	});

	it('answers template-shaped requests with a valid conversion or a well-formed error', () => {
		const outcomes = new Map<string, number>();
		for (const network of networks) {
			if (templateParams(network.id).length === 0) continue;
			fc.assert(
				fc.property(templateShaped(network.id), options, (req, opts) => {
					const result = parseBoth(network.id, req, opts);
					checkResult(result);
					if (result.ok) outcomes.set(network.id, (outcomes.get(network.id) ?? 0) + 1);
				}),
				{ numRuns: NUM_RUNS },
			);
		}
		// The property must reach real conversions, not only early refusals. About 3% of the generated
		// requests parse (~10 per network per run), so "at least one" fails only when a preset stops accepting.
		for (const id of ['shareasale', 'custom', 'pap', 'voluum', 'keitaro']) expect(outcomes.get(id) ?? 0).toBeGreaterThan(0);
	});

	it('handles any decrypted ClickBank notification', () => {
		const payload = fc.oneof(
			fc.jsonValue(),
			fc.dictionary(
				fc.constantFrom(
					'tid',
					'trackingCodes',
					'vendorVariables',
					'receipt',
					'transactionType',
					'totalAccountAmount',
					'totalOrderAmount',
					'currency',
					'transactionTime',
					'lineItems',
					'customer',
					'affiliate',
					'vendor',
				),
				fc.oneof(text, fc.jsonValue({ maxDepth: 3 }), fc.array(text, { maxLength: 2 })),
			),
		);
		fc.assert(
			fc.property(
				payload,
				fc.string({ minLength: 1, maxLength: 20 }).filter((secret) => secret.trim() !== ''),
				(decrypted, secret) => {
					const req = { method: 'POST', body: encryptIns(JSON.stringify(decrypted) ?? 'null', secret) };
					checkResult(parseBoth('clickbank', req, { secret, now }));
				},
			),
			{ numRuns: NUM_RUNS },
		);
	});
});

describe('money comes back exact', () => {
	/** Preset → [click id parameter, commission parameter]. */
	const slots: Record<string, [string, string]> = {
		custom: ['click_id', 'commission'],
		shareasale: ['afftrack', 'commission'],
		voluum: ['cid', 'payout'],
		keitaro: ['subid', 'payout'],
		pap: ['visitorId', 'Commission'],
	};

	it('reads any decimal commission as its normalized text', () => {
		fc.assert(
			fc.property(decimal, fc.constantFrom('', ' ', '\n'), (value, pad) => {
				for (const [networkId, [clickParam, commissionParam]] of Object.entries(slots)) {
					const result = parsePostback(networkId, { method: 'GET', query: { [clickParam]: 'click_1', [commissionParam]: `${pad}${value}${pad}` } }, { now });
					if (!result.ok) throw new Error(`${networkId}: ${result.error.code} ${result.error.message}`);
					expect(result.conversion.commission).toBe(normalizeDecimal(value));
				}
			}),
			{ numRuns: NUM_RUNS },
		);
	});

	it('reads ClickBank amounts exactly, negative for refunds', () => {
		fc.assert(
			fc.property(decimal, fc.constantFrom('SALE', 'RFND', 'CGBK', 'BILL'), (value, type) => {
				const secret = 'MYSECRETKEY42';
				const notification = { tid: 'click_1', transactionType: type, totalAccountAmount: value, totalOrderAmount: value };
				const result = parsePostback('clickbank', { method: 'POST', body: encryptIns(JSON.stringify(notification), secret) }, { secret, now });
				if (!result.ok) throw new Error(`${result.error.code} ${result.error.message}`);
				const normalized = normalizeDecimal(value)!;
				const expected = type === 'RFND' || type === 'CGBK' ? (normalized === '0' ? '0' : `-${normalized.replace(/^-/, '')}`) : normalized;
				expect(result.conversion.commission).toBe(expected);
				expect(result.conversion.amount).toBe(expected);
			}),
			{ numRuns: NUM_RUNS },
		);
	});
});

describe('an unreplaced macro is never a click id', () => {
	const urlPresets = networks.map((network) => network.id).filter((id) => clickIdParamOf(id) !== undefined);

	/** The URL as a network sends it when it replaced nothing: every parameter still holds its macro. */
	function unreplacedQuery(networkId: string): Record<string, string> {
		return Object.fromEntries(templateParams(networkId));
	}

	/** Presets that refuse a postback whose click id parameter is absent. */
	const requiring = urlPresets.filter((id) => {
		const param = clickIdParamOf(id)!;
		const { [param]: _dropped, ...rest } = unreplacedQuery(id);
		const result = parsePostback(id, { method: 'GET', query: rest }, { now });
		return !result.ok && result.error.code === 'missing_click_id';
	});

	it('finds the click id slot of the URL-based presets', () => {
		expect(urlPresets).toEqual(expect.arrayContaining(['shareasale', 'custom', 'pap', 'voluum', 'keitaro']));
		expect(requiring).toEqual(expect.arrayContaining(['shareasale', 'custom', 'pap', 'voluum', 'keitaro']));
	});

	it('answers missing_click_id for any macro shape in the click id slot', () => {
		fc.assert(
			fc.property(macro, fc.boolean(), (value, asArray) => {
				for (const id of requiring) {
					const param = clickIdParamOf(id)!;
					const query = { ...unreplacedQuery(id), [param]: asArray ? [value] : value };
					const result = parsePostback(id, { method: 'GET', query }, { now });
					if (result.ok) throw new Error(`${id} took ${JSON.stringify(value)} as a click id`);
					expect(result.error.code).toBe('missing_click_id');
					expect(result.error.field).toBe(param);
				}
			}),
			{ numRuns: NUM_RUNS },
		);
	});

	it('answers missing_click_id for any macro shape in a ClickBank tid or tracking code', () => {
		const secret = 'MYSECRETKEY42';
		fc.assert(
			fc.property(macro, macro, (tid, code) => {
				const notification = { tid, trackingCodes: [code], transactionType: 'SALE', receipt: 'R1' };
				const result = parsePostback('clickbank', { method: 'POST', body: encryptIns(JSON.stringify(notification), secret) }, { secret, now });
				if (result.ok) throw new Error(`clickbank took ${JSON.stringify([tid, code])} as a click id`);
				expect(result.error).toMatchObject({ code: 'missing_click_id', field: 'tid' });
			}),
			{ numRuns: NUM_RUNS },
		);
	});
});
